"""The report's statistics tables, as numeric DataFrames (the renderer formats them).

Every number comes from ``stability`` (valid rate, mean/std/median over replicates) and
``split_statistics`` (intervals and paired comparisons over split seeds) on the cells' locked-test
metrics; this module only lines observations up (``grouping``). Conventions, stated in the report too:

- AUC and accuracy describe the replicates with a valid model, as the paper's "of the models that ran",
  with the valid rate beside them; ``auc_failures_as_chance`` counts every failed replicate as 0.5.
- Paired differences (strategy minus baseline, later strategy minus earlier) count a failed replicate as
  chance, so a strategy that often fails cannot look good.
- Primary intervals (``<prefix>_ci_*``, ``<prefix>_p``) are over split seeds: replicates averaged within
  each seed, then a 95 % t-interval and a two-sided paired t-test over seeds (``<prefix>_splits``); a
  row with one split has a bootstrap over its test rows instead (``<prefix>_basis``). ``<prefix>_pooled_*``
  is the secondary figure, every (seed, replicate) pair counted as if independent.
"""

from __future__ import annotations

import math

import pandas as pd

from ibl_agents.baselines.fit import ALL_LABELED
from ibl_agents.baselines.harness_only import TEMPLATE, TEMPLATE_REGION
from ibl_agents.replicates.split_statistics import SplitComparison, compare_over_splits, summarize_over_splits
from ibl_agents.replicates.summary import CHANCE_SCORE, describe, summarize_replicates
from ibl_agents.report.cells import HARNESS, CellRecord, ExperimentRecords
from ibl_agents.report.grouping import grouped, icl_for, key_columns, paired

BINARY_METRICS = ("auc", "accuracy")
REFERENCE_BASELINE = "logistic_regression"  # the paper's comparison: a column of the main table
ICL_BASELINE = "icl"
# The references of the attribution table, by column prefix.
ATTRIBUTION_REFERENCES = {
    "harness": f"{HARNESS}{TEMPLATE}",
    "harness_region": f"{HARNESS}{TEMPLATE_REGION}",
    "lr_shown": REFERENCE_BASELINE,
    "lr_labeled": f"{REFERENCE_BASELINE}{ALL_LABELED}",
}


def main_table(records: ExperimentRecords) -> pd.DataFrame:
    """One row per (dataset, train size, model, strategy): its scaffold level, validity, test AUC and
    accuracy, budget used, and the paired difference from logistic regression (and ICL)."""
    rows = []
    for key, cells in grouped(records):
        tests = [cell.test for cell in cells]
        ran = summarize_replicates(tests)
        counted = summarize_replicates(tests, failure_score=CHANCE_SCORE)
        auc, over_splits = ran.metrics["auc"], summarize_over_splits([cell.observation() for cell in cells])
        row = {
            **key_columns(key),
            "scaffold": ", ".join(sorted({cell.scaffold for cell in cells})),  # one level unless edited
            "splits": len({cell.seed for cell in cells}),
            "replicates": ran.replicates,
            "valid_rate": ran.valid_rate,
            "auc_median": auc.median,
            "auc_mean": auc.mean,
            "auc_std": auc.std,
            "auc_ci_low": over_splits.ci_low,
            "auc_ci_high": over_splits.ci_high,
            "auc_basis": over_splits.basis,
            "auc_pooled_ci_low": auc.ci_low,
            "auc_pooled_ci_high": auc.ci_high,
            "auc_failures_as_chance": counted.metrics["auc"].mean,
            "accuracy_mean": ran.metrics["accuracy"].mean,
            "tokens_mean": describe([cell.summary.get("tokens_used", 0) for cell in cells]).mean,
        }
        if REFERENCE_BASELINE in records.description["baselines"]:
            row["lr_auc"] = _mean_of([cell.baseline_test(REFERENCE_BASELINE) for cell in cells], "auc")
            row.update(_difference("vs_lr", _compare(_itself(cells), baseline=REFERENCE_BASELINE)))
        icl = icl_for(records, key)
        if icl:
            row["icl_auc"] = summarize_replicates([cell.test for cell in icl]).metrics["auc"].mean
            row.update(_difference("vs_icl", _compare(paired(cells, icl))))
        rows.append(row)
    return pd.DataFrame(rows)


def baseline_table(records: ExperimentRecords) -> pd.DataFrame:
    """Each group against each baseline fitted on the same train rows: the baseline's test AUC and the
    paired difference strategy - baseline."""
    rows = []
    for key, cells in grouped(records):
        for name in _references(records.description["baselines"], cells):
            baseline_auc = _mean_of([cell.baseline_test(name) for cell in cells], "auc")
            rows.append(
                {**key_columns(key), "baseline": name, "baseline_auc": baseline_auc}
                | _difference("diff", _compare(_itself(cells), baseline=name))
            )
        icl = icl_for(records, key)
        if icl:
            icl_auc = summarize_replicates([cell.test for cell in icl]).metrics["auc"].mean
            row = {**key_columns(key), "baseline": f"{ICL_BASELINE} (same LLM)", "baseline_auc": icl_auc}
            rows.append(row | _difference("diff", _compare(paired(cells, icl))))
    return pd.DataFrame(rows)


def attribution_table(records: ExperimentRecords) -> pd.DataFrame:
    """What the LLM added, one row per (dataset, train size, model, strategy): its test AUC beside the
    harness-only models (the scaffold's aids with no LLM, fitted on the same shown rows) and logistic
    regression fitted on the shown rows and on all labeled rows the loop used, each with the paired
    difference LLM - reference over split seeds (failures at chance). Rows of cells without harness-only
    figures (run before they existed) are left out."""
    rows = []
    for key, cells in grouped(records):
        if not any(cell.summary.get("harness_only") for cell in cells):
            continue
        counted = summarize_replicates([cell.test for cell in cells], failure_score=CHANCE_SCORE)
        row: dict[str, object] = {
            **key_columns(key),
            "scaffold": ", ".join(sorted({cell.scaffold for cell in cells})),
            "splits": len({cell.seed for cell in cells}),
            "valid_rate": counted.valid_rate,
            "auc_failures_as_chance": counted.metrics["auc"].mean,
            "auc_median_failures_as_chance": counted.metrics["auc"].median,
            "best_model_aids": _aids_count(cells),
        }
        for prefix, reference in ATTRIBUTION_REFERENCES.items():
            row[f"{prefix}_auc"] = _mean_of([cell.baseline_test(reference) for cell in cells], "auc")
            row.update(_difference(prefix, _compare(_itself(cells), baseline=reference)))
        rows.append(row)
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
            pairs = paired(by_key[key], reference)
            row = {**key_columns(key), "reference": earlier} | _difference("auc_diff", _compare(pairs))
            row["accuracy_diff_mean"] = _compare(pairs, metric="accuracy").mean_difference
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
        "scaffold": cell.scaffold,
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
        "best_model_aids": " ".join(summary.get("scaffold", {}).get("best_model_aids", [])),
        "aids_fired": " ".join(
            f"{aid}:{n}" for aid, n in summary.get("scaffold", {}).get("fired", {}).items()
        ),
    }
    for name in baselines:
        row[f"{name}_auc"] = cell.baseline_test(name).get("auc")
    for name, value in cell.test.items():  # other tasks' metrics (macro_f1, r2, ...)
        row.setdefault(f"test_{name}", value)
    return row


def _aids_count(cells: list[CellRecord]) -> str:
    """How many of the row's valid best models each aid shaped, e.g. ``constants 3/3, invert_ranking 1/3``."""
    valid = [cell for cell in cells if cell.test]
    counts: dict[str, int] = {}
    for cell in valid:
        for aid in dict.fromkeys(cell.summary.get("scaffold", {}).get("best_model_aids", [])):
            counts[aid] = counts.get(aid, 0) + 1
    return ", ".join(f"{aid} {n}/{len(valid)}" for aid, n in counts.items()) or "none"


def _references(baselines: list[str], cells: list[CellRecord]) -> list[str]:
    """The configured baselines, then those of them also fitted on all labeled rows, then the harness-only
    models: each where some cell has it (older cells have neither of the last two)."""
    fitted = [f"{name}{ALL_LABELED}" for name in baselines]
    harness = [f"{HARNESS}{name}" for name in (TEMPLATE, TEMPLATE_REGION)]
    extra = [name for name in [*fitted, *harness] if any(cell.baseline_test(name) for cell in cells)]
    return [*baselines, *extra]


def _itself(cells: list[CellRecord]) -> list[tuple[CellRecord, CellRecord]]:
    """Each cell paired with itself: its model against a baseline fitted in the same run."""
    return [(cell, cell) for cell in cells]


def _compare(
    pairs: list[tuple[CellRecord, CellRecord]], *, baseline: str | None = None, metric: str = "auc"
) -> SplitComparison:
    """The first cell's model minus the second's (or the second's ``baseline``), over split seeds."""
    strategy = [ours.observation() for ours, _ in pairs]
    return compare_over_splits(strategy, [theirs.observation(baseline) for _, theirs in pairs], metric=metric)


def _difference(prefix: str, comparison: SplitComparison) -> dict[str, object]:
    pooled = comparison.pooled
    return {
        f"{prefix}_splits": comparison.splits,
        f"{prefix}_mean": comparison.mean_difference,
        f"{prefix}_ci_low": comparison.ci_low,
        f"{prefix}_ci_high": comparison.ci_high,
        f"{prefix}_p": comparison.p_value,
        f"{prefix}_basis": comparison.basis,
        f"{prefix}_pooled_pairs": pooled.n_pairs,
        f"{prefix}_pooled_mean": pooled.mean_difference,
        f"{prefix}_pooled_ci_low": pooled.ci_low,
        f"{prefix}_pooled_ci_high": pooled.ci_high,
    }
