"""The report's statistics tables, as numeric DataFrames (the renderer formats them).

Every number comes from ``stability`` (valid rate, mean/std/t-interval/median, paired comparisons) on the
cells' locked-test metrics; this module only lines observations up (``grouping``). Conventions, stated in
the report too:

- AUC and accuracy describe the replicates with a valid model, as the paper's "of the models that ran",
  with the valid rate beside them; ``auc_failures_as_chance`` counts every failed replicate as 0.5.
- Paired differences (strategy minus baseline, later strategy minus earlier) count a failed replicate as
  chance, so a strategy that often fails cannot look good; intervals are 95 % t-intervals, p-values
  two-sided paired t-tests.
"""

from __future__ import annotations

import math

import pandas as pd

from ibl_agents.report.cells import CellRecord, ExperimentRecords
from ibl_agents.report.grouping import grouped, icl_for, key_columns, paired
from ibl_agents.stability import (
    CHANCE_SCORE,
    PairedComparison,
    compare_paired,
    describe,
    summarize_replicates,
)

BINARY_METRICS = ("auc", "accuracy")
REFERENCE_BASELINE = "logistic_regression"  # the paper's comparison: a column of the main table
ICL_BASELINE = "icl"


def main_table(records: ExperimentRecords) -> pd.DataFrame:
    """One row per (dataset, train size, model, strategy): validity, test AUC and accuracy, budget used,
    and the paired difference from logistic regression."""
    rows = []
    for key, cells in grouped(records):
        tests = [cell.test for cell in cells]
        ran = summarize_replicates(tests)
        counted = summarize_replicates(tests, failure_score=CHANCE_SCORE)
        auc = ran.metrics["auc"]
        row = {
            **key_columns(key),
            "replicates": ran.replicates,
            "valid_rate": ran.valid_rate,
            "auc_median": auc.median,
            "auc_mean": auc.mean,
            "auc_std": auc.std,
            "auc_ci_low": auc.ci_low,
            "auc_ci_high": auc.ci_high,
            "auc_failures_as_chance": counted.metrics["auc"].mean,
            "accuracy_mean": ran.metrics["accuracy"].mean,
            "tokens_mean": describe([cell.summary.get("tokens_used", 0) for cell in cells]).mean,
        }
        if REFERENCE_BASELINE in records.description["baselines"]:
            reference = [cell.baseline_test(REFERENCE_BASELINE) for cell in cells]
            row["lr_auc"] = _mean_of(reference, "auc")
            row.update(_difference("vs_lr", compare_paired(tests, reference)))
        icl = icl_for(records, key)
        if icl:
            row["icl_auc"] = summarize_replicates([cell.test for cell in icl]).metrics["auc"].mean
            row.update(_difference("vs_icl", compare_paired(*paired(cells, icl))))
        rows.append(row)
    return pd.DataFrame(rows)


def baseline_table(records: ExperimentRecords) -> pd.DataFrame:
    """Each group against each baseline fitted on the same train rows: the baseline's test AUC and the
    paired difference strategy - baseline."""
    rows = []
    for key, cells in grouped(records):
        tests = [cell.test for cell in cells]
        for name in records.description["baselines"]:
            reference = [cell.baseline_test(name) for cell in cells]
            baseline_auc = _mean_of(reference, "auc")
            comparison = compare_paired(tests, reference)
            rows.append(
                {**key_columns(key), "baseline": name, "baseline_auc": baseline_auc}
                | _difference("diff", comparison)
            )
        icl = icl_for(records, key)
        if icl:
            ours, theirs = paired(cells, icl)
            icl_auc = summarize_replicates([cell.test for cell in icl]).metrics["auc"].mean
            row = {**key_columns(key), "baseline": f"{ICL_BASELINE} (same LLM)", "baseline_auc": icl_auc}
            rows.append(row | _difference("diff", compare_paired(ours, theirs)))
    return pd.DataFrame(rows)


def strategy_table(records: ExperimentRecords) -> pd.DataFrame:
    """Strategies compared on the same (dataset, train size, model), each minus every one listed before
    it in the config, paired by split seed and replicate."""
    by_key = {key: cells for key, cells in grouped(records)}
    strategies = records.description["strategies"]
    rows = []
    for key in by_key:
        dataset, train_rows, model, strategy = key
        for earlier in strategies[: strategies.index(strategy)] if strategy in strategies else []:
            reference = by_key.get((dataset, train_rows, model, earlier))
            if not reference:
                continue
            ours, theirs = paired(by_key[key], reference)
            row = {**key_columns(key), "reference": earlier}
            row |= _difference("auc_diff", compare_paired(ours, theirs))
            row["accuracy_diff_mean"] = compare_paired(ours, theirs, metric="accuracy").mean_difference
            rows.append(row)
    return pd.DataFrame(rows)


def task_metrics_table(records: ExperimentRecords) -> pd.DataFrame:
    """Every locked-test metric the code models report, one row per (group, metric): the view of
    multiclass and regression cells, whose metrics the AUC tables do not have. Baselines' means beside.
    Empty when every cell reports only AUC and accuracy (binary: the tables above say it all)."""
    rows = []
    for key, cells in grouped(records):
        tests = [cell.test for cell in cells]
        ran = summarize_replicates(tests)
        names = [name for name in ran.metrics if any(name in test for test in tests if test)]
        if set(names) <= set(BINARY_METRICS):
            continue
        for name in names:
            summary = ran.metrics[name]
            fitted = dict.fromkeys(n for cell in cells for n in cell.summary.get("baselines", {}))
            baselines = {n: _mean_of([cell.baseline_test(n) for cell in cells], name) for n in fitted}
            rows.append(
                {
                    **key_columns(key),
                    "metric": name,
                    "replicates": ran.replicates,
                    "valid_rate": ran.valid_rate,
                    "value_mean": summary.mean,
                    "value_std": summary.std,
                    "median": summary.median,
                    "baselines": ", ".join(f"{n} {v:.3f}" for n, v in baselines.items() if not math.isnan(v)),
                }
            )
    return pd.DataFrame(rows)


def _mean_of(metrics: list[dict[str, float]], name: str) -> float:
    """Mean of one metric over the entries that have it (NaN when none does)."""
    return describe([entry[name] for entry in metrics if entry and name in entry]).mean


def cells_table(records: ExperimentRecords) -> pd.DataFrame:
    """One row per finished cell, for analyses of one's own (written as cells.csv)."""
    return pd.DataFrame([_cell_row(cell, records.description["baselines"]) for cell in records.cells])


def _cell_row(cell: CellRecord, baselines: list[str]) -> dict[str, object]:
    summary = cell.summary
    row: dict[str, object] = {
        "cell": cell.id,
        "kind": cell.kind,
        "dataset": cell.dataset,
        "seed": cell.seed,
        "n_train": cell.train_rows,
        "model": cell.model,
        "strategy": cell.strategy,
        "replicate": cell.replicate,
        "ok": bool(summary.get("ok")),
        "test_auc": cell.test.get("auc"),
        "test_accuracy": cell.test.get("accuracy"),
        "validation_auc": (summary.get("validation") or {}).get("auc"),
        "candidates": len(summary.get("candidates", [])),
        "stop_reason": summary.get("stop_reason"),
        "tokens": summary.get("tokens_used"),
        "wall_s": summary.get("wall_s"),
        "icl_missing_rate": summary.get("missing_rate"),
    }
    for name in baselines:
        row[f"{name}_auc"] = cell.baseline_test(name).get("auc")
    for name, value in cell.test.items():  # other tasks' metrics (macro_f1, r2, ...)
        row.setdefault(f"test_{name}", value)
    return row


def _difference(prefix: str, comparison: PairedComparison) -> dict[str, float]:
    return {
        f"{prefix}_pairs": comparison.n_pairs,
        f"{prefix}_mean": comparison.mean_difference,
        f"{prefix}_ci_low": comparison.ci_low,
        f"{prefix}_ci_high": comparison.ci_high,
        f"{prefix}_p": comparison.p_value,
    }
