"""Do replicates of one cell write the same program? Agreement of their predictions and of the columns
their code reads.

Two replicates can score the same AUC with different programs; a dependable strategy should converge on
similar rules. Every measure is the mean over all pairs of replicates, on the same locked-test rows, and
takes only replicates with a valid model (an invalid one has no predictions and no program to compare).
With fewer than two replicates there is no pair: the result is NaN.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

import numpy as np
from scipy import stats

Item = TypeVar("Item")


def label_agreement(predictions: Sequence[Sequence[float]], threshold: float = 0.5) -> float:
    """Mean share of test rows on which two replicates predict the same label (score >= ``threshold``)."""
    labels = [scores >= threshold for scores in _aligned(predictions)]
    return _mean_over_pairs(labels, lambda a, b: float(np.mean(a == b)))


def class_agreement(probabilities: Sequence[Sequence[Sequence[float]]]) -> float:
    """Multiclass: mean share of test rows on which two replicates pick the same most probable class."""
    labels = [np.asarray(rows, dtype=float).argmax(axis=1) for rows in probabilities]
    return _mean_over_pairs(labels, lambda a, b: float(np.mean(a == b)))


def score_correlation(
    predictions: Sequence[Sequence[float]], method: Literal["spearman", "pearson"] = "spearman"
) -> float:
    """Mean correlation of two replicates' scores: do they rank the test rows alike?

    Spearman (default) compares rankings only, which is what AUC rewards. A replicate with constant scores
    ranks nothing, so its pairs are left out; NaN when no pair is left.
    """
    if method not in ("spearman", "pearson"):
        raise ValueError(f"unknown method {method!r}; choose from: spearman, pearson")
    arrays = _aligned(predictions)
    if method == "spearman":
        arrays = [stats.rankdata(scores) for scores in arrays]
    return _mean_over_pairs(arrays, _pearson)


def column_overlap(column_sets: Sequence[set[str] | frozenset[str]]) -> float:
    """Mean Jaccard index |A & B| / |A | B| of the columns two programs read (two empty sets count as 1)."""
    return _mean_over_pairs(list(column_sets), lambda a, b: len(a & b) / len(a | b) if a | b else 1.0)


def _aligned(predictions: Sequence[Sequence[float]]) -> list[np.ndarray]:
    arrays = [np.asarray(scores, dtype=float) for scores in predictions]
    lengths = sorted({len(scores) for scores in arrays})
    if len(lengths) > 1:
        raise ValueError(f"replicates scored different numbers of test rows {lengths}; pass the same rows")
    return arrays


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / norm if norm > 0 else math.nan


def _mean_over_pairs(items: Sequence[Item], measure: Callable[[Item, Item], float]) -> float:
    values = [measure(a, b) for a, b in itertools.combinations(items, 2)]
    defined = [value for value in values if not math.isnan(value)]
    return float(np.mean(defined)) if defined else math.nan
