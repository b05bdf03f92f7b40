"""Statistics over independent splits: the report's primary intervals and p-values.

Replicates of one split seed share its train and test rows (and, with the reply cache, often the first
candidate), so they are not independent draws of how a strategy does on new data. Pooling 3 splits x 3
replicates as 9 pairs narrows the interval and shrinks the p-value (issue 13: a claimed p = 0.006 is
p = 0.185 over its 3 splits). Here the replicates are first averaged within each split seed, then the
t-interval and the paired t-test are taken over the split means: n is the number of seeds. The pooled
(seed, replicate) comparison of ``stability`` is kept beside it as a secondary figure.

One split has no spread over splits to measure. Its interval is a percentile bootstrap over that split's
test rows instead: the rows are resampled (within each class, so every resample has both classes and an
AUC), every replicate's AUC is recomputed on the resample (a failure stays at chance), and the mean over
replicates is taken per resample. It says how far the figure would move with other test rows from the
same population, for these train rows only, so no p-value is given. Only AUC is bootstrapped; other
metrics of a one-split row have no interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from ibl_agents.replicates.summary import (
    CHANCE_SCORE,
    PairedComparison,
    ReplicateMetrics,
    compare_differences,
    compare_paired,
    describe,
    paired_differences,
)

Basis = Literal["splits", "bootstrap"]  # t over split seeds, or (one split) bootstrap over its test rows
RESAMPLES = 2000
BOOTSTRAP_SEED = 0  # the same resamples on every run: a rebuilt report shows the same interval
Scores = np.ndarray | float  # a replicate's test-row scores, or the constant AUC it counts as


@dataclass(frozen=True)
class Observation:
    """One replicate on one split: locked-test metrics (empty: no valid model) and, for the one-split
    bootstrap, its per-test-row scores and the binary labels (None where the run stored none)."""

    seed: int | None
    metrics: ReplicateMetrics
    scores: Sequence[float] | None = None
    labels: Sequence[int] | None = None


@dataclass(frozen=True)
class SplitSummary:
    """Mean over split seeds of the within-split mean of one metric, with its interval."""

    splits: int  # split seeds with a value
    mean: float
    ci_low: float  # NaN when undefined
    ci_high: float
    basis: Basis


@dataclass(frozen=True)
class SplitComparison:
    """Strategy minus reference: primary over split seeds, ``pooled`` the secondary over (seed, replicate)
    pairs as if they were independent."""

    splits: int  # split seeds with at least one pair
    mean_difference: float  # mean over splits of the within-split mean difference
    ci_low: float
    ci_high: float
    p_value: float  # paired t-test over splits; NaN with fewer than 2 splits
    basis: Basis
    pooled: PairedComparison


def summarize_over_splits(
    observations: Sequence[Observation], *, metric: str = "auc", confidence: float = 0.95
) -> SplitSummary:
    """The metric of the replicates with a valid model (the paper's "of the models that ran"), averaged
    within each split seed, then over seeds; seeds without a valid replicate do not count."""
    by_seed = _by_seed([obs for obs in observations if obs.metrics and metric in obs.metrics])
    means = [float(np.mean([_value(obs, metric) for obs in group])) for group in by_seed.values()]
    if len(means) == 1:
        (group,) = by_seed.values()
        low, high = _bootstrap([(obs, None) for obs in group], metric, None, confidence)
        return SplitSummary(1, means[0], low, high, "bootstrap")
    summary = describe(means, confidence)
    return SplitSummary(summary.n, summary.mean, summary.ci_low, summary.ci_high, "splits")


def compare_over_splits(
    strategy: Sequence[Observation],
    reference: Sequence[Observation],
    *,
    metric: str = "auc",
    failure_score: float | None = CHANCE_SCORE,
    confidence: float = 0.95,
) -> SplitComparison:
    """Paired ``strategy - reference``, position by position (the same split seed and replicate on both
    sides); a failure scores ``failure_score`` as in ``stability.compare_paired``."""
    if [obs.seed for obs in strategy] != [obs.seed for obs in reference]:
        raise ValueError("paired observations must come from the same split seeds, in the same order")
    ours_metrics, theirs_metrics = [obs.metrics for obs in strategy], [obs.metrics for obs in reference]
    pooled = compare_paired(
        ours_metrics, theirs_metrics, metric=metric, failure_score=failure_score, confidence=confidence
    )
    differences = paired_differences(ours_metrics, theirs_metrics, metric=metric, failure_score=failure_score)
    by_seed: dict[int | None, list[tuple[float, Observation, Observation]]] = {}
    for difference, ours, theirs in zip(differences, strategy, reference, strict=True):
        if difference is not None:
            by_seed.setdefault(ours.seed, []).append((difference, ours, theirs))
    means = [float(np.mean([difference for difference, _, _ in kept])) for kept in by_seed.values()]
    if len(means) == 1:
        (kept,) = by_seed.values()
        pairs = [(ours, theirs) for _, ours, theirs in kept]
        low, high = _bootstrap(pairs, metric, failure_score, confidence)
        return SplitComparison(1, means[0], low, high, math.nan, "bootstrap", pooled)
    over_splits = compare_differences(means, metric=metric, confidence=confidence)
    return SplitComparison(
        over_splits.n_pairs,
        over_splits.mean_difference,
        over_splits.ci_low,
        over_splits.ci_high,
        over_splits.p_value,
        "splits",
        pooled,
    )


def resampled_rows(
    labels: Sequence[int], resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[np.ndarray, int]:
    """Row positions of each resample (one row per resample: its positives first, then its negatives,
    each class drawn with replacement from its own rows) and the number of positives per resample."""
    values = np.asarray(labels)
    positives, negatives = np.flatnonzero(values == 1), np.flatnonzero(values == 0)
    rng = np.random.default_rng(seed)
    rows = np.hstack(
        [
            rng.choice(positives, (resamples, len(positives))),
            rng.choice(negatives, (resamples, len(negatives))),
        ]
    )
    return rows, len(positives)


def resampled_auc(scores: np.ndarray, rows: np.ndarray, positives: int) -> np.ndarray:
    """AUC of ``scores`` on every resample of ``resampled_rows``: the Mann-Whitney U of the ranks, with
    tied scores sharing their rank (a tie between a positive and a negative counts one half)."""
    ranks = stats.rankdata(np.asarray(scores, dtype=float)[rows], axis=1)
    negatives = rows.shape[1] - positives
    wins = ranks[:, :positives].sum(axis=1) - positives * (positives + 1) / 2
    return wins / (positives * negatives)


def _bootstrap(
    pairs: list[tuple[Observation, Observation | None]],
    metric: str,
    failure_score: float | None,
    confidence: float,
) -> tuple[float, float]:
    """Percentile interval of the mean over ``pairs`` of AUC(first) - AUC(second) (no second: AUC alone)
    on resampled test rows of their one split; NaN where a side lacks row scores or labels."""
    if metric != "auc":
        return math.nan, math.nan
    labels = _shared_labels([obs for pair in pairs for obs in pair if obs is not None])
    if labels is None or len(set(labels)) != 2:
        return math.nan, math.nan
    sides = [
        (_side(ours, failure_score), 0.0 if theirs is None else _side(theirs, failure_score))
        for ours, theirs in pairs
    ]
    if any(side is None for pair in sides for side in pair):
        return math.nan, math.nan
    if any(isinstance(side, np.ndarray) and len(side) != len(labels) for pair in sides for side in pair):
        raise ValueError("a replicate stored another number of test-row scores than its split has labels")
    rows, positives = resampled_rows(labels, RESAMPLES)

    def auc(side: Scores) -> np.ndarray | float:
        return resampled_auc(side, rows, positives) if isinstance(side, np.ndarray) else float(side)

    statistic = np.mean([auc(ours) - auc(theirs) for ours, theirs in sides], axis=0)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(np.broadcast_to(statistic, (len(rows),)), [tail, 100 - tail])
    return float(low), float(high)


def _side(obs: Observation, failure_score: float | None) -> Scores | None:
    """A replicate's row scores, or the constant AUC of a failure; None when neither is known."""
    if not obs.metrics:
        return failure_score
    return None if obs.scores is None else np.asarray(obs.scores, dtype=float)


def _value(obs: Observation, metric: str) -> float:
    return float(obs.metrics[metric]) if obs.metrics else math.nan


def _shared_labels(observations: list[Observation]) -> list[int] | None:
    """The split's test labels; every observation that stored labels must have the same ones."""
    stored = [list(obs.labels) for obs in observations if obs.labels is not None]
    if not stored:
        return None
    if any(labels != stored[0] for labels in stored):
        raise ValueError(
            "observations of one split seed have different test labels; their test rows differ, so they"
            " cannot be paired (was the dataset file changed between cells?)"
        )
    return stored[0]


def _by_seed(observations: Sequence[Observation]) -> dict[int | None, list[Observation]]:
    groups: dict[int | None, list[Observation]] = {}
    for obs in observations:
        groups.setdefault(obs.seed, []).append(obs)
    return groups
