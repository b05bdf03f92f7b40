"""Finished cells read back from an experiment directory, one record per cell.

Only what ``experiment.store`` counts as finished is read; planned cells that have not finished are
counted as pending and appear in no statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibl_agents.experiment.store import finished, read_plan
from ibl_agents.loop.artifacts import read_json
from ibl_agents.replicates.split_statistics import Observation

SplitKey = tuple[str, int | None]  # (dataset, train_rows): seeds pool into one row of the tables
HARNESS = "harness only: "  # names a harness-only model where a baseline's name goes
DEFAULT_SCAFFOLD = "full"  # loop.scaffold of cells run before the setting existed: they had every aid


@dataclass(frozen=True)
class CellRecord:
    id: str
    kind: str  # "code" (a refine() run) or "icl" (the LLM labelled the test rows directly)
    dataset: str
    seed: int | None
    train_rows: int | None
    model: str
    strategy: str
    replicate: int
    summary: dict[str, Any]  # the run's summary.json
    predictions: dict[str, Any] | None  # predictions.json: test-row scores of the best model and baselines
    features: list[str]  # feature columns the code model saw (manifest.json)
    metric: str  # the validation metric candidates were selected by (config.json loop.metric)
    scaffold: str = DEFAULT_SCAFFOLD  # the loop's scaffold level (config.json loop.scaffold)

    @property
    def test(self) -> dict[str, float]:
        """Locked-test metrics of the code model; empty when the cell produced no valid model."""
        return dict(self.summary.get("test") or {}) if self.summary.get("ok") else {}

    def baseline_test(self, name: str) -> dict[str, float]:
        """Locked-test metrics of a baseline fitted in the same run, or with ``HARNESS`` before the name, of
        a harness-only model (``ibl_agents.baselines.harness_only``: the scaffold's aids with no LLM)."""
        if name.startswith(HARNESS):
            harness = self.summary.get("harness_only", {})
            return dict(harness.get(name.removeprefix(HARNESS), {}).get("test") or {})
        return dict(self.summary.get("baselines", {}).get(name, {}).get("test") or {})

    def observation(self, baseline: str | None = None) -> Observation:
        """The cell's model (ICL: its answers), or the named baseline fitted on the same train rows, as one
        observation of its split; binary cells add their per-test-row scores for the one-split bootstrap."""
        metrics = self.test if baseline is None else self.baseline_test(baseline)
        predictions = self.predictions or {}
        if predictions.get("task", "binary") != "binary":
            return Observation(self.seed, metrics)
        if baseline is None:
            scores = predictions.get("best")
        elif baseline.startswith(HARNESS):
            scores = predictions.get("harness_only", {}).get(baseline.removeprefix(HARNESS))
        else:
            scores = predictions.get("baselines", {}).get(baseline)
        return Observation(self.seed, metrics, scores, predictions.get("labels"))

    @property
    def replicate_key(self) -> tuple[int | None, int]:
        """What pairs two cells in a paired comparison: the same split seed and replicate number."""
        return (self.seed, self.replicate)


@dataclass(frozen=True)
class ExperimentRecords:
    description: dict[str, Any]  # experiment.json: names in config order, published figures
    cells: list[CellRecord]
    pending: int  # planned cells without a finished run


def load_records(directory: Path) -> ExperimentRecords:
    description, plan = read_plan(directory)
    cells = [record for entry in plan if (record := _record(directory, entry)) is not None]
    return ExperimentRecords(description, cells, len(plan) - len(cells))


def _record(directory: Path, entry: dict[str, Any]) -> CellRecord | None:
    marker = finished(directory, entry["id"])
    if marker is None:
        return None
    run_dir = Path(marker["run_dir"])
    predictions = run_dir / "predictions.json"
    manifest = read_json(run_dir / "manifest.json")
    config = read_json(run_dir / "config.json")
    summary = read_json(run_dir / "summary.json")
    return CellRecord(
        id=entry["id"],
        kind=entry.get("kind", "code"),
        dataset=entry["dataset"],
        seed=entry["seed"],
        train_rows=entry["train_rows"],
        model=entry["model"],
        strategy=entry["strategy"],
        replicate=entry["replicate"],
        summary=summary,
        predictions=read_json(predictions) if predictions.is_file() else None,
        features=list(manifest.get("features", [])),
        metric=config["loop"]["metric"],
        # The summary's name also says which aids were switched off (``full-error_region``, ``custom``).
        scaffold=str(
            summary.get("scaffold", {}).get("level") or config["loop"].get("scaffold", DEFAULT_SCAFFOLD)
        ),
    )
