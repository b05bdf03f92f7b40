"""One cell: a ``refine()`` run (or the ICL baseline) inside the cell's own directory, then its done marker.

The same function runs in the driver (local executor) and inside a Ray task, so both executors write the
same cell directories. What it returns is small and picklable: the progress line's material, not the run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ibl_agents.config import RefineConfig
from ibl_agents.errors import ExperimentError, IblError
from ibl_agents.experiment.grid import Cell
from ibl_agents.experiment.icl_cell import run_icl
from ibl_agents.experiment.store import INFRASTRUCTURE_STOPS, cell_dir, mark_finished
from ibl_agents.run.refine import refine
from sandbox.errors import SandboxError


@dataclass(frozen=True)
class CellOutcome:
    cell_id: str
    ok: bool  # a valid code model was produced (ICL: the model answered for at least one test row)
    test: dict[str, float] = field(default_factory=dict)
    run_dir: str = ""
    wall_s: float = 0.0
    kind: str = "code"
    # provider_error / sandbox_error: the infrastructure failed, not the model; not marked finished, so
    # the next `ibl experiment` runs the cell again.
    infrastructure_failure: str | None = None

    def line(self) -> str:
        if self.infrastructure_failure:
            return (
                f"{self.cell_id}: ended {self.infrastructure_failure}, which is not a result; it runs again"
                f" on the next `ibl experiment` ({self.wall_s:.0f} s)"
            )
        if not self.ok:
            failure = "no valid answer" if self.kind == "icl" else "no valid code model"
            return f"{self.cell_id}: {failure} ({self.wall_s:.0f} s)"
        scores = "  ".join(f"test {name} {value:.3f}" for name, value in sorted(self.test.items()))
        return f"{self.cell_id}: {scores} ({self.wall_s:.0f} s)"


def run_cell(cell: Cell, directory: Path | str, log: Callable[[str], None] = print) -> CellOutcome:
    """Run the cell into ``<directory>/cells/<id>/`` and mark it finished; our failures name the cell."""
    config = copy.deepcopy(cell.config)
    config.runs_dir = str(cell_dir(Path(directory), cell.id))
    try:
        run_dir, summary = run_icl(config, log) if cell.kind == "icl" else _run_refine(config, log)
    except (IblError, SandboxError) as exc:
        raise ExperimentError(
            f"cell {cell.id} could not run: {exc} (finished cells are kept: fix the cause and rerun the"
            " same command to resume)"
        ) from exc
    outcome = CellOutcome(cell.id, summary["ok"], summary["test"], str(run_dir), summary["wall_s"], cell.kind)
    if summary.get("stop_reason") in INFRASTRUCTURE_STOPS:
        return replace(outcome, infrastructure_failure=summary["stop_reason"])
    mark_finished(Path(directory), cell, run_dir, {"ok": summary["ok"]})
    return outcome


def _run_refine(config: RefineConfig, log: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    summary = refine(config, log=log)
    return Path(summary.run_dir), summary.to_json()
