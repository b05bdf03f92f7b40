"""The report's primary figures are over split seeds: pairs matched by (seed, replicate), replicates
averaged within each seed, n = number of seeds; one split gets a bootstrap over its test rows."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from ibl_agents.report import build_report
from ibl_agents.report.cells import load_records
from ibl_agents.report.tables import baseline_table, main_table, strategy_table
from tests.experiment.written_cells import planned, write_cell

T_975_DF1 = 12.706204736174707  # two-sided 95 % Student-t quantile, 1 degree of freedom (a t-table)
LR = "logistic_regression"
# Test AUC per (strategy, seed, replicate); b's replicate 0 of seed 20 has not finished. Paired by replicate
# number alone, or in the order the cells were read, b's cells would line up with the wrong a cells.
AUC = {
    ("a", 10, 0): 0.80, ("a", 10, 1): 0.90, ("a", 20, 0): 0.60, ("a", 20, 1): 0.70,
    ("b", 10, 0): 0.70, ("b", 10, 1): 0.75, ("b", 20, 1): 0.50,
}  # fmt: skip
LR_AUC = {10: 0.82, 20: 0.58}  # one split, one logistic regression, whatever the replicate


def _config(name: str, seeds: list[int], **changes: Any) -> dict[str, Any]:
    return {
        "name": name,
        "replicates": 2,
        "baselines": [LR],
        "icl": False,
        "datasets": [{"name": "toy", "path": "toy.csv", "target": "y", "seeds": seeds}],
        "models": [{"name": "m", "generator": "openai:m"}],
        "strategies": [{"name": "b", "strategy": "one-shot"}, {"name": "a", "strategy": "one-shot"}],
        **changes,
    }


def _summary(auc: float | None, lr_auc: float) -> dict[str, Any]:
    test = {} if auc is None else {"auc": auc, "accuracy": auc}
    return {
        "ok": auc is not None,
        "test": test,
        "baselines": {LR: {"test": {"auc": lr_auc}}},
        "candidates": [],
        "best_code": None if auc is None else "def predict(df):\n    return df['x1']\n",
    }


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory, cells = planned(tmp_path_factory.mktemp("splits"), _config("splits", [10, 20]))
    for cell in cells:
        key = (cell.strategy, cell.seed, cell.replicate)
        if key in AUC:
            write_cell(directory, cell, _summary(AUC[key], LR_AUC[cell.seed]), {"best": None})
    return directory


def _row(table: Any, **where: Any) -> dict[str, Any]:
    rows = [row for row in table.to_dict("records") if all(row[k] == v for k, v in where.items())]
    assert len(rows) == 1, (where, table)
    return rows[0]


def test_strategies_pair_by_seed_and_replicate_and_average_within_each_seed(two_seeds: Path) -> None:
    row = _row(strategy_table(load_records(two_seeds)), strategy="a", reference="b")
    # a - b on the pairs both have: seed 10: +0.10, +0.15 (mean 0.125); seed 20: +0.20 (replicate 1 only)
    assert (row["auc_diff_splits"], row["auc_diff_basis"]) == (2, "splits")
    assert row["auc_diff_mean"] == pytest.approx((0.125 + 0.20) / 2)
    half = T_975_DF1 * stats.tstd([0.125, 0.20]) / math.sqrt(2)
    assert (row["auc_diff_ci_low"], row["auc_diff_ci_high"]) == pytest.approx((0.1625 - half, 0.1625 + half))
    assert row["auc_diff_p"] == pytest.approx(stats.ttest_1samp([0.125, 0.20], 0).pvalue)
    # secondary: the three pairs pooled as if independent
    assert row["auc_diff_pooled_pairs"] == 3 and row["auc_diff_pooled_mean"] == pytest.approx(0.15)
    assert row["accuracy_diff_mean"] == pytest.approx(0.1625)


def test_intervals_have_as_many_degrees_of_freedom_as_seeds(two_seeds: Path) -> None:
    records = load_records(two_seeds)
    a = _row(main_table(records), strategy="a")
    # a - LR: seed 10: -0.02, +0.08 (mean 0.03); seed 20: +0.02, +0.12 (mean 0.07). Four replicates as
    # independent splits would give n = 4, t with 3 degrees of freedom and a far narrower interval.
    assert a["splits"] == a["vs_lr_splits"] == 2 and a["vs_lr_pooled_pairs"] == 4
    half = T_975_DF1 * stats.tstd([0.03, 0.07]) / math.sqrt(2)
    assert (a["vs_lr_ci_low"], a["vs_lr_ci_high"]) == pytest.approx((0.05 - half, 0.05 + half))
    assert a["vs_lr_p"] == pytest.approx(stats.ttest_1samp([0.03, 0.07], 0).pvalue)
    # AUC over splits: seed means 0.85 and 0.65
    half = T_975_DF1 * stats.tstd([0.85, 0.65]) / math.sqrt(2)
    assert (a["auc_ci_low"], a["auc_ci_high"]) == pytest.approx((0.75 - half, 0.75 + half))
    assert a["auc_basis"] == "splits"
    # b: seed means 0.725 and 0.50 weigh alike; pooled, seed 10 would count twice
    b = _row(main_table(records), strategy="b")
    assert (b["auc_ci_low"] + b["auc_ci_high"]) / 2 == pytest.approx(0.6125)
    assert b["auc_mean"] == pytest.approx(0.65)  # the descriptive mean over valid replicates
    lr = _row(baseline_table(records), strategy="b", baseline=LR)
    assert lr["diff_splits"] == 2 and lr["diff_mean"] == pytest.approx(((-0.12 - 0.07) / 2 - 0.08) / 2)


# One split: a perfect ranking against a logistic regression that gives every row the same score.
LABELS = [1, 0, 1, 0, 1, 0, 1, 0]
PERFECT = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4]
FLAT = [0.5] * 8


def test_one_split_is_bootstrapped_over_test_rows_failures_at_chance(tmp_path: Path) -> None:
    directory, cells = planned(
        tmp_path, _config("one", [7], strategies=[{"name": "a", "strategy": "one-shot"}])
    )
    for cell in cells:
        ok = cell.replicate == 0  # replicate 1 produced no valid model
        predictions = {"labels": LABELS, "best": PERFECT if ok else None, "baselines": {LR: FLAT}}
        write_cell(directory, cell, _summary(1.0 if ok else None, 0.5), predictions)
    row = _row(main_table(load_records(directory)), strategy="a")
    # every resample: replicate 0 gives 1.0 - 0.5, the failure 0.5 - 0.5; their mean is 0.25
    assert (row["vs_lr_splits"], row["vs_lr_basis"]) == (1, "bootstrap") and math.isnan(row["vs_lr_p"])
    assert (row["vs_lr_mean"], row["vs_lr_ci_low"], row["vs_lr_ci_high"]) == pytest.approx((0.25, 0.25, 0.25))
    assert (row["auc_basis"], row["auc_ci_low"], row["auc_ci_high"]) == ("bootstrap", 1.0, 1.0)
    markdown = build_report(directory).with_name("report.md").read_text(encoding="utf-8")
    assert "| +0.250 [0.250, 0.250] † | — |" in markdown
    assert "marked †" in markdown
