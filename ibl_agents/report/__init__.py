"""``build_report(directory) -> Path``: tables and plots of an experiment directory (``ibl report``).

Order of work: ``cells`` (read finished cells) -> ``grouping`` (pool them into rows) -> ``tables``,
``agreement_table``, ``published_table`` (statistics via ``split_statistics``, ``stability`` and
``agreement``) -> ``present`` (display strings) -> ``plots`` (PNG files) -> ``sections`` (what is said, in
order) -> ``render`` (report.md, self-contained report.html). cells.csv holds one row per finished cell
for analyses of one's own. The report reads whatever has finished, so it can be built while the experiment
still runs.
"""

from __future__ import annotations

import time
from pathlib import Path

from ibl_agents.errors import ConfigError
from ibl_agents.report.cells import load_records
from ibl_agents.report.render import write_html, write_markdown
from ibl_agents.report.sections import report_sections
from ibl_agents.report.tables import cells_table


def build_report(directory: Path | str, out: Path | str | None = None) -> Path:
    """Write report.md, report.html, plots/ and cells.csv into ``out`` (default: the experiment directory;
    ``results/<name>/`` for a report to commit); return the HTML."""
    directory = Path(directory).resolve()
    records = load_records(directory)
    if not records.cells:
        raise ConfigError(
            f"{directory} has no finished cell yet ({records.pending} planned); run `ibl experiment` first"
        )
    target = Path(out).resolve() if out is not None else directory
    target.mkdir(parents=True, exist_ok=True)
    sections = report_sections(records, target / "plots")
    cells_table(records).to_csv(target / "cells.csv", index=False)
    title = f"Experiment {records.description['name']}"
    intro = (
        f"{len(records.cells)} finished cells"
        + (f", {records.pending} still pending (not counted)" if records.pending else "")
        + f"; report built {time.strftime('%Y-%m-%d %H:%M')}. One row per cell: cells.csv."
    )
    write_markdown(target / "report.md", title, intro, sections)
    return write_html(target / "report.html", title, intro, sections)
