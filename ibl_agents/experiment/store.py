"""The experiment directory: what was planned, what finished, and resuming without mixing in stale results.

::

    runs/exp-<name>/
      experiment.yaml        the config as given (rewritten on every start)
      experiment.json        what the report needs besides the cells: order of strategies, published figures
      cells.jsonl            the plan: one line per cell (coordinates, config fingerprint), in run order
      cells/<cell id>/
        <time>-<cell id>/    the cell's refine() run directory: summary.json, candidates/, events.jsonl, ...
        cell.json            done marker, written atomically after refine() returned

A cell is finished when its ``cell.json`` exists and the run directory it names holds ``summary.json``.
Anything else under ``cells/`` (a run killed halfway) is deleted when the experiment starts again and is
never counted. A finished cell whose configuration has changed since refuses to resume: its numbers would
silently describe another experiment.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from ibl_agents.artifacts import write_json, write_text
from ibl_agents.errors import ConfigError
from ibl_agents.experiment.grid import Cell

DONE_MARKER = "cell.json"
PLAN = "cells.jsonl"
CONFIG_COPY = "experiment.yaml"
DESCRIPTION = "experiment.json"


def experiment_dir(runs_dir: Path | str, name: str) -> Path:
    return Path(runs_dir).resolve() / f"exp-{name}"


def cell_dir(directory: Path, cell_id: str) -> Path:
    return directory / "cells" / cell_id


def finished(directory: Path, cell_id: str) -> dict[str, Any] | None:
    """The done marker of a finished cell, with ``run_dir`` as an absolute path; None otherwise."""
    marker = cell_dir(directory, cell_id) / DONE_MARKER
    if not marker.is_file():
        return None
    record = json.loads(marker.read_text(encoding="utf-8"))
    run_dir = cell_dir(directory, cell_id) / record["run_dir"]
    return {**record, "run_dir": str(run_dir)} if (run_dir / "summary.json").is_file() else None


def mark_finished(directory: Path, cell: Cell, run_dir: Path, extra: dict[str, Any]) -> None:
    record = {
        **cell.coordinates(),
        "fingerprint": cell.fingerprint(),
        "run_dir": run_dir.name,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **extra,
    }
    write_json(cell_dir(directory, cell.id) / DONE_MARKER, record)


def read_plan(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The experiment's description and its planned cells (coordinates), as ``prepare`` wrote them."""
    plan, description = directory / PLAN, directory / DESCRIPTION
    if not plan.is_file() or not description.is_file():
        raise ConfigError(
            f"{directory} is not an experiment directory (no {PLAN}); run `ibl experiment` first"
        )
    lines = plan.read_text(encoding="utf-8").splitlines()
    return json.loads(description.read_text(encoding="utf-8")), [json.loads(line) for line in lines if line]


def prepare(directory: Path, config_text: str, description: dict[str, Any], cells: list[Cell]) -> list[Cell]:
    """Record the plan, check finished cells still match it, delete half-run cells; return those to run."""
    stale = [cell for cell in cells if _stale(directory, cell)]
    if stale:
        others = " (and the others)" if len(stale) > 1 else ""
        raise ConfigError(
            f"{len(stale)} finished cell(s) of {directory.name} were run with another configuration (first:"
            f" {stale[0].id}); rename the experiment, or delete {cell_dir(directory, stale[0].id)}{others}"
            " to rerun them"
        )
    directory.mkdir(parents=True, exist_ok=True)
    write_text(directory / CONFIG_COPY, config_text)
    write_json(directory / DESCRIPTION, description)
    lines = [json.dumps({**cell.coordinates(), "fingerprint": cell.fingerprint()}) for cell in cells]
    write_text(directory / PLAN, "\n".join(lines) + "\n")
    todo = [cell for cell in cells if finished(directory, cell.id) is None]
    for cell in todo:
        shutil.rmtree(cell_dir(directory, cell.id), ignore_errors=True)
    return todo


def _stale(directory: Path, cell: Cell) -> bool:
    record = finished(directory, cell.id)
    return record is not None and record["fingerprint"] != cell.fingerprint()
