"""How dependable a strategy is across replicates of one sweep cell, and whether it beats a baseline.

A replicate is one run of a cell (same dataset, model, strategy and train size; another seed or split).
Functions here take each replicate's locked-test metrics as ``RunSummary.test`` holds them: a mapping
``{"auc": ..., "accuracy": ...}`` (other tasks report other metrics: ``tasks.REPORTED_METRICS``), empty
(or None) when the replicate produced no valid model or its best model failed on the test rows. Both count
as "no valid model". A valid replicate without the metric asked for (AUC of a regression) is left out.

Intervals are Student-t over the values given. Sweeps run 3-10 replicates; there a percentile bootstrap
over replicates undercovers badly and a t-interval is the honest choice. With one value the spread is
unknown: std, interval and p-value are NaN rather than a made-up zero. Replicates of one split share its
rows and are not independent: ``split_statistics`` averages them within each split first and takes the
interval over splits, which is what the report shows first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

ReplicateMetrics = Mapping[str, float] | None  # empty or None: the replicate has no valid model
CHANCE_SCORE = 0.5  # AUC of a constant or random ranking; expected accuracy of a coin flip
REPORTED_METRICS = ("auc", "accuracy")
_DECIMALS = 12  # metric differences below this are float noise (0.9 - 0.8 != 0.8 - 0.7), not signal


@dataclass(frozen=True)
class MetricSummary:
    """Mean with its t-interval, spread and median of one metric over replicates."""

    n: int
    mean: float
    std: float  # ddof=1; NaN for n < 2
    ci_low: float  # NaN for n < 2
    ci_high: float
    median: float


@dataclass(frozen=True)
class CellSummary:
    replicates: int
    valid: int  # replicates with a valid model (test metrics present)
    metrics: dict[str, MetricSummary]

    @property
    def valid_rate(self) -> float:
        return self.valid / self.replicates


@dataclass(frozen=True)
class PairedComparison:
    """Strategy minus reference over the replicates they share; positive means the strategy is better."""

    metric: str
    n_pairs: int
    mean_difference: float
    ci_low: float  # t-interval of the mean difference, whichever test gave the p-value
    ci_high: float
    # two-sided; 1.0 when every difference is zero; NaN for fewer than 2 pairs or when every pair differs
    # by the same nonzero amount (no spread: the t statistic is undefined, not infinite)
    p_value: float
    test: Literal["t", "wilcoxon"]


def describe(values: Sequence[float], confidence: float = 0.95) -> MetricSummary:
    """Mean, std (ddof=1), two-sided t-interval for the mean and median; NaN where ``values`` cannot say."""
    data = np.asarray(values, dtype=float)
    n = len(data)
    if n == 0:
        return MetricSummary(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    mean, median = float(data.mean()), float(np.median(data))
    if n == 1:
        return MetricSummary(1, mean, math.nan, math.nan, math.nan, median)
    std = float(data.std(ddof=1))
    half_width = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * std / math.sqrt(n)
    return MetricSummary(n, mean, std, mean - half_width, mean + half_width, median)


def summarize_replicates(
    test_metrics: Sequence[ReplicateMetrics], *, failure_score: float | None = None, confidence: float = 0.95
) -> CellSummary:
    """Valid-model rate and the spread of AUC, accuracy and every other metric present over one cell's
    replicates.

    ``failure_score=None`` (default) summarizes the valid replicates only, as the paper's "accuracy of
    the code models that ran", with the valid rate beside it. A number (e.g. ``CHANCE_SCORE``) instead
    counts every invalid replicate as that score, so a strategy that often fails cannot look good.
    """
    if not test_metrics:
        raise ValueError("no replicates to summarize; pass one metrics mapping (or None) per replicate")
    valid = sum(1 for entry in test_metrics if entry)
    present = dict.fromkeys([*REPORTED_METRICS, *(name for entry in test_metrics if entry for name in entry)])
    summaries = {
        metric: describe(_scores(test_metrics, metric, failure_score), confidence) for metric in present
    }
    return CellSummary(replicates=len(test_metrics), valid=valid, metrics=summaries)


def compare_paired(
    strategy: Sequence[ReplicateMetrics],
    reference: Sequence[ReplicateMetrics],
    *,
    metric: str = "auc",
    failure_score: float | None = CHANCE_SCORE,
    test: Literal["t", "wilcoxon"] = "t",
    confidence: float = 0.95,
) -> PairedComparison:
    """Paired difference ``strategy - reference`` over replicates run on the same splits, position by
    position (a baseline or another strategy).

    A replicate without a valid model scores ``failure_score`` (default: chance, as the paper counts
    failures), so failing often costs the strategy. ``failure_score=None`` drops every pair where either
    side failed instead, which compares only the models that ran. ``test`` picks the p-value: the paired
    t-test, or the Wilcoxon signed-rank test when differences are skewed (zero differences are dropped).
    """
    if test not in ("t", "wilcoxon"):
        raise ValueError(f"unknown test {test!r}; choose from: t, wilcoxon")
    differences = paired_differences(strategy, reference, metric=metric, failure_score=failure_score)
    kept = [difference for difference in differences if difference is not None]
    return compare_differences(kept, metric=metric, test=test, confidence=confidence)


def paired_differences(
    strategy: Sequence[ReplicateMetrics],
    reference: Sequence[ReplicateMetrics],
    *,
    metric: str = "auc",
    failure_score: float | None = CHANCE_SCORE,
) -> list[float | None]:
    """``strategy - reference`` position by position, failures at ``failure_score``; None where a pair
    has no difference (a failure with ``failure_score=None``, or a side without the metric)."""
    if len(strategy) != len(reference):
        raise ValueError(
            f"paired comparison needs the same replicates on both sides; got {len(strategy)} and"
            f" {len(reference)}"
        )
    pairs = [
        (_score(a, metric, failure_score), _score(b, metric, failure_score))
        for a, b in zip(strategy, reference, strict=True)
    ]
    return [a - b if a is not None and b is not None else None for a, b in pairs]


def compare_differences(
    differences: Sequence[float],
    *,
    metric: str = "auc",
    test: Literal["t", "wilcoxon"] = "t",
    confidence: float = 0.95,
) -> PairedComparison:
    """Mean of paired differences with its t-interval and a two-sided p-value.

    The t p-value is ``scipy.stats.ttest_rel``'s, computed from the interval's own mean and std so that
    equal differences give 1.0 instead of NaN and a warning; constant nonzero differences give NaN:
    with no spread there is nothing to test against (the report says so).
    """
    rounded = np.round(np.asarray(differences, dtype=float), _DECIMALS)
    summary = describe(rounded, confidence)
    return PairedComparison(
        metric=metric,
        n_pairs=summary.n,
        mean_difference=summary.mean,
        ci_low=summary.ci_low,
        ci_high=summary.ci_high,
        p_value=_p_value(rounded, summary, test),
        test=test,
    )


def _p_value(differences: np.ndarray, summary: MetricSummary, test: Literal["t", "wilcoxon"]) -> float:
    if summary.n < 2:
        return math.nan
    if not differences.any():
        return 1.0
    if test == "wilcoxon":
        return float(stats.wilcoxon(differences).pvalue)
    if summary.std < 10**-_DECIMALS:  # every pair differs by the same nonzero amount: no spread to test
        return math.nan  # (0.0 used to print as "p < 0.001" for two identical replicates)
    t_statistic = summary.mean / (summary.std / math.sqrt(summary.n))
    return float(2 * stats.t.sf(abs(t_statistic), summary.n - 1))


def _scores(
    test_metrics: Sequence[ReplicateMetrics], metric: str, failure_score: float | None
) -> list[float]:
    scores = (_score(entry, metric, failure_score) for entry in test_metrics)
    return [score for score in scores if score is not None]


def _score(entry: ReplicateMetrics, metric: str, failure_score: float | None) -> float | None:
    if not entry:
        return failure_score
    return float(entry[metric]) if metric in entry else None
