"""The report's attribution table: the LLM's model against the harness alone (the same aids, no LLM) and
logistic regression fitted on the shown and on all labeled rows, paired per cell, over split seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ibl_agents.report import build_report
from ibl_agents.report.cells import load_records
from ibl_agents.report.tables import attribution_table, baseline_table
from tests.experiment.written_cells import planned, write_cell

LR = "logistic_regression"
# Per seed: the LLM's test AUC, the harness-only template's, template + region's, LR shown, LR all labeled.
SEEDS = {
    10: (0.90, 0.85, 0.88, 0.80, 0.86),
    20: (0.70, 0.72, 0.74, 0.75, 0.78),
    30: (0.80, 0.74, 0.79, 0.70, 0.81),
}


def _summary(llm: float, template: float, region: float, shown: float, labeled: float) -> dict[str, Any]:
    return {
        "ok": True,
        "test": {"auc": llm, "accuracy": llm},
        "baselines": {
            LR: {"test": {"auc": shown}},
            f"{LR}@all_labeled": {"validation": {}, "test": {"auc": labeled}},
        },
        "harness_only": {
            "template": {"test": {"auc": template}},
            "template+region": {"test": {"auc": region}},
        },
        "scaffold": {"level": "full-error_region", "best_model_aids": ["constants", "example_shape"]},
        "candidates": [],
        "best_code": "def predict(df):\n    return df['x1']\n",
    }


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = {
        "name": "attribution",
        "replicates": 1,
        "baselines": [LR],
        "icl": False,
        "datasets": [{"name": "toy", "path": "toy.csv", "target": "y", "seeds": list(SEEDS)}],
        "models": [{"name": "m", "generator": "openai:m"}],
        "strategies": [{"name": "refine", "strategy": "refine"}],
    }
    folder, cells = planned(tmp_path_factory.mktemp("attribution"), config)
    for cell in cells:
        write_cell(folder, cell, _summary(*SEEDS[cell.seed]), {"best": None})
    return folder


def test_the_llm_is_compared_with_the_harness_alone_cell_by_cell(directory: Path) -> None:
    (row,) = attribution_table(load_records(directory)).to_dict("records")
    llm = [values[0] for values in SEEDS.values()]
    for prefix, column in (("harness", 1), ("harness_region", 2), ("lr_shown", 3), ("lr_labeled", 4)):
        reference = [values[column] for values in SEEDS.values()]
        assert row[f"{prefix}_auc"] == pytest.approx(sum(reference) / 3)
        assert row[f"{prefix}_mean"] == pytest.approx(
            sum(a - b for a, b in zip(llm, reference, strict=True)) / 3
        )
        assert row[f"{prefix}_splits"] == 3 and row[f"{prefix}_basis"] == "splits"
    # The level the summary recorded, which names the aid switched off.
    assert row["scaffold"] == "full-error_region"
    assert row["best_model_aids"] == "constants 3/3, example_shape 3/3"


def test_the_baseline_table_lists_the_harness_and_the_all_labeled_fit(directory: Path) -> None:
    names = list(baseline_table(load_records(directory))["baseline"])
    assert names == [LR, f"{LR}@all_labeled", "harness only: template", "harness only: template+region"]


def test_the_report_has_the_section(directory: Path) -> None:
    build_report(directory)
    report = (directory / "report.md").read_text()
    assert "## What the LLM added" in report and "harness only AUC" in report
