"""The report of an experiment with multiclass and regression cells: no AUC to show, their own metrics
instead. Cells are written by hand as in test_report_statistics.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ibl_agents.experiment.grid import Cell
from ibl_agents.report import build_report
from ibl_agents.report.agreement_table import agreement_table
from ibl_agents.report.cells import load_records
from ibl_agents.report.tables import main_table, task_metrics_table
from tests.experiment.written_cells import planned, write_cell

F1 = [0.9, 0.8]  # multiclass test macro-F1 per replicate
R2 = [0.5, 0.3]  # regression test R² per replicate
# replicate 0 and 1 pick the same class on 2 of 3 test rows
PROBABILITIES = [
    [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]],
    [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]],
]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory, cells = planned(
        tmp_path_factory.mktemp("tasks"),
        {
            "name": "tasks",
            "replicates": 2,
            "baselines": ["logistic_regression"],
            "datasets": [
                {"name": "iris", "path": "iris.csv", "target": "species", "task": "multiclass"},
                {"name": "dia", "path": "dia.csv", "target": "progression"},
            ],
            "models": [{"name": "m", "generator": "openai:m"}],
            "strategies": [{"name": "refine", "max_iters": 2}],
        },
    )
    for cell in cells:
        _write_cell(directory, cell)
    return directory


def _write_cell(directory: Path, cell: Cell) -> None:
    multiclass, k = cell.dataset == "iris", cell.replicate
    if cell.kind == "icl":
        summary: dict[str, Any] = {"kind": "icl", "ok": False, "skipped": "binary only", "test": {}}
        predictions: dict[str, Any] = {"best": None}
    elif multiclass:
        summary = {"ok": True, "test": {"macro_f1": F1[k], "accuracy": F1[k], "log_loss": 0.4}}
        summary["baselines"] = {"logistic_regression": {"test": {"macro_f1": 0.85, "accuracy": 0.85}}}
        predictions = {"task": "multiclass", "best": PROBABILITIES[k]}
    else:
        summary = {"ok": True, "test": {"r2": R2[k], "rmse": 50.0 + k, "mae": 40.0}}
        summary["baselines"] = {"ridge_regression": {"test": {"r2": 0.45, "rmse": 52.0, "mae": 41.0}}}
        predictions = {"task": "regression", "best": [100.0, 150.0 + 10 * k, 80.0]}
    summary |= {"kind": cell.kind, "candidates": [], "best_code": "def predict(df):\n    return df['x']\n"}
    write_cell(
        directory, cell, summary, predictions | {"test_rows": [0, 1, 2], "baselines": {}}, features=("x",)
    )


def test_task_metrics_table_shows_every_metric_with_the_baselines(experiment: Path) -> None:
    table = task_metrics_table(load_records(experiment))
    f1 = table[(table["dataset"] == "iris") & (table["metric"] == "macro_f1")].iloc[0]
    assert f1["value_mean"] == pytest.approx(0.85) and f1["valid_rate"] == 1.0
    assert f1["baselines"] == "logistic_regression 0.850"
    r2 = table[(table["dataset"] == "dia") & (table["metric"] == "r2")].iloc[0]
    assert r2["value_mean"] == pytest.approx(0.4) and r2["baselines"] == "ridge_regression 0.450"
    assert set(table["metric"]) == {"macro_f1", "accuracy", "log_loss", "r2", "rmse", "mae"}


def test_auc_tables_and_agreement_do_not_break_on_other_tasks(experiment: Path) -> None:
    records = load_records(experiment)
    main = main_table(records)
    assert main["auc_mean"].isna().all() and main["valid_rate"].tolist() == [1.0, 1.0]
    agreement = agreement_table(records).set_index("dataset")
    assert agreement.loc["iris", "label_agreement"] == pytest.approx(2 / 3)  # the same top class
    assert pd.isna(agreement.loc["iris", "score_correlation"])
    assert (
        pd.isna(agreement.loc["dia", "label_agreement"]) and agreement.loc["dia", "score_correlation"] == 1.0
    )


def test_report_renders_the_task_metrics_section(experiment: Path) -> None:
    markdown = build_report(experiment).with_name("report.md").read_text(encoding="utf-8")
    assert "Test metrics of multiclass and regression rows" in markdown
    assert "0.850 ± 0.071" in markdown and "0.400 ± 0.141" in markdown
    cells = pd.read_csv(experiment / "cells.csv")
    assert {"test_macro_f1", "test_r2", "test_rmse"} <= set(cells.columns)
