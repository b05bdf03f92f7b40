"""Statistics over split seeds against hand computations, and the one-split bootstrap against a slow
reimplementation with sklearn's AUC."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from ibl_agents.replicates import split_statistics
from ibl_agents.replicates.split_statistics import (
    Observation,
    compare_over_splits,
    resampled_auc,
    resampled_rows,
    summarize_over_splits,
)

T_975_DF1 = 12.706204736174707  # two-sided 95 % Student-t quantile, 1 degree of freedom (a t-table)


def _observations(seeds: list[int | None], aucs: list[float | None]) -> list[Observation]:
    return [
        Observation(seed, {} if auc is None else {"auc": auc}) for seed, auc in zip(seeds, aucs, strict=True)
    ]


def test_replicates_are_averaged_within_their_split_and_n_is_the_number_of_seeds() -> None:
    seeds = [1, 1, 1, 2, 2, 2]
    strategy = _observations(seeds, [0.80, 0.84, 0.82, 0.70, 0.74, 0.72])
    reference = _observations(seeds, [0.70, 0.70, 0.70, 0.70, 0.70, 0.70])
    result = compare_over_splits(strategy, reference)
    # split means of the differences: 0.12 and 0.02; six pooled pairs would give n = 6 and df = 5
    assert (result.splits, result.basis) == (2, "splits")
    assert result.mean_difference == pytest.approx(0.07)
    half = T_975_DF1 * stats.tstd([0.12, 0.02]) / math.sqrt(2)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.07 - half, 0.07 + half))
    assert result.p_value == pytest.approx(stats.ttest_1samp([0.12, 0.02], 0).pvalue)
    assert result.pooled.n_pairs == 6
    assert result.pooled.p_value == pytest.approx(
        stats.ttest_1samp([0.10, 0.14, 0.12, 0.0, 0.04, 0.02], 0).pvalue
    )
    assert result.pooled.p_value < result.p_value  # what pooling hides


def test_each_split_weighs_once_however_many_pairs_it_has() -> None:
    # seed 1 has three pairs (+0.1 each), seed 2 one (-0.1); a failure counts at chance (0.5)
    strategy = _observations([1, 1, 1, 2, 3], [0.8, 0.8, None, 0.6, 0.9])
    reference = _observations([1, 1, 1, 2, 3], [0.7, 0.7, 0.4, 0.7, 0.7])
    result = compare_over_splits(strategy, reference)
    assert result.splits == 3
    assert result.mean_difference == pytest.approx((0.1 - 0.1 + 0.2) / 3)  # pooled: 0.4 / 5
    assert result.pooled.mean_difference == pytest.approx(0.08)
    dropped = compare_over_splits(strategy, reference, failure_score=None)
    assert dropped.pooled.n_pairs == 4 and dropped.mean_difference == pytest.approx(0.2 / 3)


def test_auc_over_splits_describes_the_valid_replicates() -> None:
    observations = _observations([1, 1, 2, 2, 3], [0.7, 0.9, 0.6, None, None])
    summary = summarize_over_splits(observations)
    # split 1: 0.8, split 2: 0.6, split 3 has no valid model and does not count
    assert (summary.splits, summary.mean, summary.basis) == (2, pytest.approx(0.7), "splits")
    half = T_975_DF1 * stats.tstd([0.8, 0.6]) / math.sqrt(2)
    assert summary.ci_high == pytest.approx(0.7 + half)


def test_resampled_auc_is_sklearns_auc_ties_included() -> None:
    labels = [1, 0, 1, 0, 1, 0, 0, 1, 0, 0]
    scores = np.array([0.9, 0.1, 0.5, 0.5, 0.7, 0.8, 0.5, 0.2, 0.3, 0.5])
    rows, positives = resampled_rows(labels, resamples=50, seed=3)
    assert positives == 4 and rows.shape == (50, 10)
    expected = [roc_auc_score(np.asarray(labels)[row], scores[row]) for row in rows]
    assert resampled_auc(scores, rows, positives) == pytest.approx(expected)
    assert all(np.asarray(labels)[row[:positives]].all() for row in rows)  # every resample keeps both classes


def test_one_split_is_bootstrapped_over_its_test_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split_statistics, "RESAMPLES", 200)
    rng = np.random.default_rng(7)
    labels = [1, 0] * 15
    ours = [np.clip(np.asarray(labels) * 0.3 + rng.random(30) * 0.7, 0, 1) for _ in range(2)]
    theirs = [rng.random(30), rng.random(30)]
    strategy = [Observation(5, {"auc": roc_auc_score(labels, s)}, s.tolist(), labels) for s in ours]
    strategy.append(Observation(5, {}))  # a failure: AUC 0.5 on every resample
    reference = [Observation(5, {"auc": roc_auc_score(labels, s)}, s.tolist(), labels) for s in theirs]
    reference.append(Observation(5, {"auc": 0.6}, rng.random(30).tolist(), labels))
    result = compare_over_splits(strategy, reference)

    rows, _ = resampled_rows(labels, resamples=200)
    y = np.asarray(labels)
    by_hand = [
        np.mean(
            [
                roc_auc_score(y[row], s[row]) - roc_auc_score(y[row], t[row])
                for s, t in zip(ours, theirs, strict=True)
            ]
            + [0.5 - roc_auc_score(y[row], np.asarray(reference[2].scores)[row])]
        )
        for row in rows
    ]
    assert (result.splits, result.basis) == (1, "bootstrap") and math.isnan(result.p_value)
    assert (result.ci_low, result.ci_high) == pytest.approx(tuple(np.percentile(by_hand, [2.5, 97.5])))
    differences = [roc_auc_score(y, s) - roc_auc_score(y, t) for s, t in zip(ours, theirs, strict=True)]
    assert result.mean_difference == pytest.approx(np.mean([*differences, 0.5 - 0.6]))  # from the metrics
    assert compare_over_splits(strategy, reference) == result  # seeded: the same interval every time


def test_one_split_bootstrap_needs_row_scores_and_one_set_of_labels() -> None:
    labels = [1, 0, 1, 0]
    same = [Observation(None, {"auc": 0.75}, [0.9, 0.2, 0.4, 0.6], labels)] * 2
    assert (compare_over_splits(same, same).ci_low, compare_over_splits(same, same).ci_high) == (0.0, 0.0)
    without_rows = compare_over_splits(same, _observations([None, None], [0.7, 0.7]))
    assert without_rows.mean_difference == pytest.approx(0.05) and math.isnan(without_rows.ci_low)
    other = [Observation(None, {"auc": 0.5}, [0.5] * 4, [0, 1, 1, 0])] * 2
    with pytest.raises(ValueError, match="different test labels"):
        compare_over_splits(same, other)
    with pytest.raises(ValueError, match="same split seeds"):
        compare_over_splits(same, _observations([1, 2], [0.7, 0.7]))
