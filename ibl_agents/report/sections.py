"""What the report says, in order: each section's table columns, its note, and its plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ibl_agents.report.agreement_table import agreement_table
from ibl_agents.report.cells import ExperimentRecords
from ibl_agents.report.plots import Plot, distribution_plots, iteration_plots, valid_rate_plot
from ibl_agents.report.present import (
    ONE_SPLIT,
    ONE_SPLIT_MARK,
    Column,
    difference,
    interval,
    mean_std,
    number,
    p_value,
    percent,
    present,
    text,
)
from ibl_agents.report.published_table import published_table
from ibl_agents.report.tables import (
    attribution_table,
    baseline_table,
    main_table,
    strategy_table,
    task_metrics_table,
)

KEYS: list[Column] = [("dataset", text("dataset")), ("n", text("n_train")), ("model", text("model"))]
KEYS_AND_STRATEGY: list[Column] = [*KEYS, ("strategy", text("strategy"))]
SECONDARY = "secondary: replicates pooled, not independent"
OVER_SPLITS = (
    "Replicates of one split share its rows, so they are averaged within each split seed first: every"
    " primary interval and p-value is over splits (95 % t-interval, paired t-test, n = splits). A row with"
    " one split instead has a percentile bootstrap over its test rows (2000 resamples within each class;"
    f" no p-value), marked {ONE_SPLIT_MARK}. Columns marked `{SECONDARY}` count every (seed, replicate) as"
    " independent and are narrower than the data allow. A p of `—` could not be tested: fewer than two"
    " splits, or every split differs by the same amount (no spread; its interval then has zero width)."
)
AS_ABOVE = (
    f"Intervals and p-values over splits as in the first table ({ONE_SPLIT_MARK}: {ONE_SPLIT}, no p-value)."
)


@dataclass(frozen=True)
class Section:
    title: str
    note: str
    table: pd.DataFrame | None = None  # display strings
    plots: list[Plot] = field(default_factory=list)


def report_sections(records: ExperimentRecords, plots: Path) -> list[Section]:
    main = main_table(records)
    sections = [
        Section(
            "Test AUC and accuracy per strategy",
            "Per (dataset, train size n, model, strategy); scaffold: the loop's aids (`loop.scaffold`;"
            " `full` for cells run before the setting); splits: split seeds. AUC and accuracy of the"
            " replicates with a valid model (valid = share of replicates that produced one; mean ± std over"
            " them); `failures = 0.5` counts every failed replicate at chance. Δ vs LR: paired difference"
            " from logistic regression fitted on the same train rows (failures at chance). ICL: the same LLM"
            " labels the test rows directly (rows it leaves out at chance), paired by split seed and"
            f" replicate. {OVER_SPLITS}",
            present(main, [*KEYS_AND_STRATEGY, *_MAIN, *(_ICL if "icl_auc" in main else [])]),
        ),
        *_attribution(records),
        Section(
            "Strategies compared",
            "Each strategy minus every strategy listed before it in the config, on the same dataset, n and"
            " model, paired by split seed and replicate (failures at chance); pairs: the (seed, replicate)"
            f" pairs both have. {AS_ABOVE}",
            present(strategy_table(records), [*KEYS_AND_STRATEGY, *_STRATEGIES]),
        ),
        Section(
            "Against every baseline",
            "Baselines are fitted on exactly the train rows the LLM saw; Δ = strategy - baseline test AUC,"
            f" paired, failures at chance. {AS_ABOVE}",
            present(baseline_table(records), [*KEYS_AND_STRATEGY, *_BASELINES]),
        ),
        Section(
            "Do replicates write the same program?",
            "Mean over pairs of valid replicates on the same split: share of test rows given the same label,"
            " Spearman correlation of test scores, Jaccard overlap of the columns the code reads; averaged"
            " over split seeds. — where fewer than two replicates produced a valid model.",
            present(agreement_table(records), [*KEYS_AND_STRATEGY, *_AGREEMENT]),
        ),
    ]
    task_metrics = task_metrics_table(records)
    if not task_metrics.empty:
        sections.insert(
            1,
            Section(
                "Test metrics of multiclass and regression rows",
                "The AUC tables have no figures for these rows. Per (dataset, n, model, strategy) and"
                " metric: mean ± std and median over the replicates with a valid model; log_loss, rmse and"
                " mae are lower-is-better. Baselines: their mean on the same splits (a regression target"
                " fits ridge regression and a linear SVR for logistic regression and the linear SVM).",
                present(task_metrics, [*KEYS_AND_STRATEGY, *_TASK_METRICS]),
            ),
        )
    published = published_table(records)
    if not published.empty:
        sections.append(
            Section(
                "Published figures beside ours",
                "Per train size: the published trials at our split seeds and that size; `all`: the whole"
                " published dataset against all our cells of it. AUC and accuracy of the code models that"
                " ran; `failures = 0.5` counts the others at chance.",
                present(published, [("dataset", text("dataset")), ("n", text("n_train")), *_PUBLISHED]),
            )
        )
    sections.append(
        Section(
            "Plots",
            "Validation metric per iteration per replicate (x: failed candidate), valid-model rate per"
            " strategy, and test AUC against the baselines (dashed lines).",
            plots=[
                *iteration_plots(records, plots),
                valid_rate_plot(main, plots),
                *distribution_plots(records, plots),
            ],
        )
    )
    return sections


def _attribution(records: ExperimentRecords) -> list[Section]:
    table = attribution_table(records)
    if table.empty:
        return []
    return [
        Section(
            "What the LLM added",
            "Per row: the LLM's code model against the harness alone and against fair baselines, on the same"
            " splits. harness only = the full scaffold's constants and example term over every numeric column"
            " with no LLM (ibl_agents/baselines/harness_only.py), fitted on the same shown rows; + region ="
            " that model"
            " with the harness's own error_region line. LR (shown) is fitted on the rows the LLM saw, LR (all"
            " labeled) on those plus the validation rows the loop selected on. Δ = LLM - reference, paired,"
            f" failures at chance; a Δ whose interval holds 0 means the harness or the baseline alone does as"
            f" well. {OVER_SPLITS}",
            present(table, [*KEYS_AND_STRATEGY, *_ATTRIBUTION]),
        )
    ]


_ATTRIBUTION: list[Column] = [
    ("scaffold", text("scaffold")),
    ("splits", text("splits")),
    ("valid", percent("valid_rate")),
    ("LLM AUC, failures = 0.5", number("auc_failures_as_chance")),
    ("median", number("auc_median_failures_as_chance")),
    ("harness only AUC", number("harness_auc")),
    ("LLM - harness only [95 % CI over splits]", difference("harness")),
    ("p (splits)", p_value("harness_p")),
    ("harness + region AUC", number("harness_region_auc")),
    ("LLM - harness + region [95 % CI]", difference("harness_region")),
    ("LR (shown) AUC", number("lr_shown_auc")),
    ("LR (all labeled) AUC", number("lr_labeled_auc")),
    ("LLM - LR (all labeled) [95 % CI]", difference("lr_labeled")),
    ("harness aids in the best models", text("best_model_aids")),
]
_MAIN: list[Column] = [
    ("scaffold", text("scaffold")),
    ("splits", text("splits")),
    ("replicates", text("replicates")),
    ("valid", percent("valid_rate")),
    ("AUC median", number("auc_median")),
    ("AUC mean ± std", mean_std("auc")),
    ("AUC 95 % CI over splits", interval("auc")),
    (f"AUC 95 % CI ({SECONDARY})", interval("auc_pooled")),
    ("AUC, failures = 0.5", number("auc_failures_as_chance")),
    ("accuracy", number("accuracy_mean")),
    ("tokens", number("tokens_mean", 0)),
    ("LR AUC", number("lr_auc")),
    ("Δ AUC vs LR [95 % CI over splits]", difference("vs_lr")),
    ("p vs LR (splits)", p_value("vs_lr_p")),
    (f"Δ AUC vs LR [95 % CI] ({SECONDARY})", difference("vs_lr_pooled")),
]
_ICL: list[Column] = [
    ("ICL AUC", number("icl_auc")),
    ("Δ AUC vs ICL [95 % CI over splits]", difference("vs_icl")),
    ("p vs ICL (splits)", p_value("vs_icl_p")),
    (f"Δ AUC vs ICL [95 % CI] ({SECONDARY})", difference("vs_icl_pooled")),
]
_TASK_METRICS: list[Column] = [
    ("metric", text("metric")),
    ("replicates", text("replicates")),
    ("valid", percent("valid_rate")),
    ("mean ± std", mean_std("value")),
    ("median", number("median")),
    ("baselines (mean)", text("baselines")),
]
_STRATEGIES: list[Column] = [
    ("minus", text("reference")),
    ("splits", text("auc_diff_splits")),
    ("pairs", text("auc_diff_pooled_pairs")),
    ("Δ AUC [95 % CI over splits]", difference("auc_diff")),
    ("p (splits)", p_value("auc_diff_p")),
    ("Δ accuracy", number("accuracy_diff_mean")),
    (f"Δ AUC [95 % CI] ({SECONDARY})", difference("auc_diff_pooled")),
]
_BASELINES: list[Column] = [
    ("baseline", text("baseline")),
    ("baseline AUC", number("baseline_auc")),
    ("splits", text("diff_splits")),
    ("Δ AUC [95 % CI over splits]", difference("diff")),
    ("p (splits)", p_value("diff_p")),
    (f"Δ AUC [95 % CI] ({SECONDARY})", difference("diff_pooled")),
]
_AGREEMENT: list[Column] = [
    ("valid programs", text("programs")),
    ("label agreement", number("label_agreement")),
    ("score correlation", number("score_correlation")),
    ("column overlap", number("column_overlap")),
]
_PUBLISHED: list[Column] = [
    ("source", text("source")),
    ("trials", text("trials")),
    ("valid", percent("valid_rate")),
    ("AUC of valid", number("auc_mean")),
    ("AUC, failures = 0.5", number("auc_failures_as_chance")),
    ("accuracy of valid", number("accuracy_mean")),
]
