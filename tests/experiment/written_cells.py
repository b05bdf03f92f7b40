"""Experiment directories with hand-written results, for report tests: the plan and done markers come from
the store functions the runner uses; only each run directory's contents are written by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ibl_agents.experiment.config import describe, experiment_from_mapping
from ibl_agents.experiment.grid import Cell, expand
from ibl_agents.experiment.store import cell_dir, mark_finished, prepare
from ibl_agents.loop.artifacts import write_json


def planned(folder: Path, config: dict[str, Any]) -> tuple[Path, list[Cell]]:
    """The experiment directory of ``config`` with its plan written and no cell finished, and the cells."""
    experiment = experiment_from_mapping(config, base_dir=folder)
    cells = expand(experiment)
    directory = folder / f"exp-{experiment.name}"
    prepare(directory, f"name: {experiment.name}\n", describe(experiment), cells)
    return directory, cells


def write_cell(
    directory: Path,
    cell: Cell,
    summary: dict[str, Any],
    predictions: dict[str, Any],
    *,
    features: tuple[str, ...] = ("x1", "x2", "x3"),
    config: dict[str, Any] | None = None,  # config.json as written; default: the cell's own config
) -> None:
    """A finished cell: its run directory with summary, manifest, config and predictions, then the marker."""
    run_dir = cell_dir(directory, cell.id) / f"20260101-000000-{cell.id}"
    run_dir.mkdir(parents=True)
    write_json(run_dir / "summary.json", summary)
    write_json(run_dir / "manifest.json", {"features": list(features)})
    write_json(run_dir / "config.json", cell.config.to_json() if config is None else config)
    write_json(run_dir / "predictions.json", predictions)
    mark_finished(directory, cell, run_dir, {"ok": summary["ok"]})
