"""The report on disk: ``report.md`` (plots as PNG files beside it) and ``report.html``, self-contained
(plots embedded as base64 PNG), so one file can be mailed or attached to a paper's supplement."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from ibl_agents.loop.artifacts import write_text
from ibl_agents.report.sections import Section

# A value never wraps inside its cell (a 15-column table used to break "0.912 [0.871, 0.953]" over lines);
# a table wider than the page scrolls in its own box instead.
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
div.table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0}tr:nth-child(even) td{background:#fafafa}
td:nth-child(-n+4){text-align:left}img{max-width:100%}figure{margin:1em 0}
p.note{color:#555;max-width:60em;line-height:1.4}"""


def write_markdown(path: Path, title: str, intro: str, sections: list[Section]) -> Path:
    lines = [f"# {title}", "", intro, ""]
    for section in sections:
        lines += [f"## {section.title}", "", section.note, ""]
        if section.table is not None:
            lines += [_markdown_table(section.table), ""]
        for caption, image in section.plots:
            lines += [f"![{caption}]({image.relative_to(path.parent).as_posix()})", ""]
    write_text(path, "\n".join(lines))
    return path


def write_html(path: Path, title: str, intro: str, sections: list[Section]) -> Path:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"]
    parts += [f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(intro)}</p>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2><p class='note'>{html.escape(section.note)}</p>")
        if section.table is not None:
            table = section.table.to_html(index=False, border=0, escape=True, na_rep="")
            parts.append(f"<div class='table'>{table}</div>")
        for caption, image in section.plots:
            data = base64.b64encode(image.read_bytes()).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'></figure>"
            )
    parts.append("</body></html>")
    write_text(path, "\n".join(parts))
    return path


def _markdown_table(table: pd.DataFrame) -> str:
    if table.empty:
        return "(no rows)"
    cells = [[str(value).replace("|", "\\|") for value in row] for row in table.itertuples(index=False)]
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    return "\n".join([header, rule, *("| " + " | ".join(row) + " |" for row in cells)])
