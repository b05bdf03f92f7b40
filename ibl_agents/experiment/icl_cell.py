"""An ICL cell: the cell's model labels the locked test rows of its split directly (``icl.icl_baseline``).

Written like a refine() run directory so the report reads both alike: config.json, manifest.json,
icl.json (per-row answers, missing rows, calls), predictions.json (the test-row scores under ``best``)
and, last, summary.json (``kind: icl``, test metrics, tokens). Rows the reply gave no probability for
score chance, as ``icl`` decides; a cell where every row is missing counts as no valid answer.

ICL asks for the probability of a positive class, so it labels binary targets only: for a multiclass or
regression target the cell is written as skipped (``ok`` false, ``skipped`` saying why, no model call),
and the report shows no ICL figures for that row instead of the experiment stopping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ibl_agents.config import RefineConfig
from ibl_agents.data.prepare import prepare_data
from ibl_agents.icl.baseline import icl_baseline
from ibl_agents.loop.artifacts import new_run_dir, write_json


def run_icl(config: RefineConfig, log: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """Run the ICL baseline on the config's split and model; return the run directory and its summary."""
    started = time.time()
    prepared = prepare_data(config.data)
    dataset, splits = prepared.dataset, prepared.splits
    run_dir = new_run_dir(Path(config.runs_dir), config.name)
    write_json(run_dir / "config.json", config.to_json())
    write_json(run_dir / "manifest.json", prepared.manifest)
    if dataset.task != "binary":
        return run_dir, _skipped(run_dir, config, dataset.task, started)
    result = icl_baseline(config.models, dataset, splits, log=log)
    write_json(run_dir / "icl.json", result.to_json())
    labels = dataset.y.to_numpy()[splits.test].tolist()
    predictions = {
        "test_rows": splits.test,
        "labels": labels,
        "best": result.scores.tolist(),
        "baselines": {},
    }
    write_json(run_dir / "predictions.json", predictions)
    summary = {
        "kind": "icl",
        "run_dir": str(run_dir),
        "ok": result.missing_rate < 1.0,
        "test": result.metrics(dataset),
        "missing_rate": result.missing_rate,
        "tokens_used": result.prompt_tokens + result.completion_tokens,
        "tokens_estimated": result.tokens_estimated,
        "generator_model": config.models.generator,
        "baselines": {},
        "candidates": [],
        "wall_s": round(time.time() - started, 2),
    }
    write_json(run_dir / "summary.json", summary)
    return run_dir, summary


def _skipped(run_dir: Path, config: RefineConfig, task: str, started: float) -> dict[str, Any]:
    summary = {
        "kind": "icl",
        "run_dir": str(run_dir),
        "ok": False,
        "skipped": f"ICL labels binary targets only; this target is {task}",
        "test": {},
        "tokens_used": 0,
        "generator_model": config.models.generator,
        "baselines": {},
        "candidates": [],
        "wall_s": round(time.time() - started, 2),
    }
    write_json(run_dir / "summary.json", summary)
    return summary
