"""Replicate statistics against numbers worked out by hand (t quantiles from a printed t-table)."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from ibl_agents.replicates.summary import CHANCE_SCORE, compare_paired, describe, summarize_replicates

# Two-sided 95 % Student-t quantiles t(0.975, df), as printed in any t-table.
T_975 = {2: 4.302652729749464, 3: 3.182446305284263, 4: 2.776445105197799}

CELL = [
    {"auc": 0.70, "accuracy": 0.60},
    {"auc": 0.80, "accuracy": 0.70},
    {"auc": 0.90, "accuracy": 0.80},
    {},  # no valid model
]


def _auc(*values: float | None) -> list[dict[str, float]]:
    return [{} if value is None else {"auc": value} for value in values]


def test_summary_of_valid_replicates() -> None:
    summary = summarize_replicates(CELL)
    assert (summary.replicates, summary.valid, summary.valid_rate) == (4, 3, 0.75)
    auc = summary.metrics["auc"]
    # mean 0.8; deviations -0.1, 0, 0.1 -> variance 0.02 / 2 = 0.01 -> std 0.1;
    # half width 4.3027 * 0.1 / sqrt(3) = 0.2484138
    assert auc.n == 3
    assert auc.mean == pytest.approx(0.8)
    assert auc.std == pytest.approx(0.1)
    assert auc.median == pytest.approx(0.8)
    assert (auc.ci_low, auc.ci_high) == pytest.approx((0.8 - 0.2484138, 0.8 + 0.2484138), abs=1e-7)
    accuracy = summary.metrics["accuracy"]
    assert (accuracy.mean, accuracy.ci_low) == pytest.approx((0.7, 0.7 - 0.2484138))


def test_summary_counting_failures_as_chance() -> None:
    auc = summarize_replicates(CELL, failure_score=CHANCE_SCORE).metrics["auc"]
    # values 0.7, 0.8, 0.9, 0.5: mean 0.725, median 0.75;
    # squared deviations 0.000625 + 0.005625 + 0.030625 + 0.050625 = 0.0875 -> variance 0.0875 / 3
    std = math.sqrt(0.0875 / 3)
    assert (auc.n, auc.mean, auc.median, auc.std) == pytest.approx((4, 0.725, 0.75, std))
    assert auc.ci_high == pytest.approx(0.725 + T_975[3] * std / 2)


def test_one_replicate_has_no_spread() -> None:
    auc = summarize_replicates([{"auc": 0.9, "accuracy": 0.8}]).metrics["auc"]
    assert (auc.n, auc.mean, auc.median) == (1, 0.9, 0.9)
    assert math.isnan(auc.std) and math.isnan(auc.ci_low) and math.isnan(auc.ci_high)


def test_no_valid_replicate() -> None:
    summary = summarize_replicates([None, {}])
    assert summary.valid_rate == 0.0
    assert summary.metrics["auc"].n == 0 and math.isnan(summary.metrics["auc"].mean)


def test_no_replicates_is_an_error() -> None:
    with pytest.raises(ValueError, match="no replicates to summarize"):
        summarize_replicates([])


def test_describe_matches_scipy_interval() -> None:
    values = [0.61, 0.74, 0.69, 0.88, 0.79]
    result = describe(values)
    expected = stats.t.interval(0.95, 4, loc=0.742, scale=stats.sem(values))
    assert (result.ci_low, result.ci_high) == pytest.approx(expected)


STRATEGY = _auc(0.80, 0.75, None, 0.90, 0.85)
REFERENCE = _auc(0.70, 0.72, 0.74, 0.80, 0.86)


def test_paired_difference_counts_failures_as_chance() -> None:
    result = compare_paired(STRATEGY, REFERENCE)
    # differences 0.10, 0.03, 0.5 - 0.74 = -0.24, 0.10, -0.01: mean -0.02 / 5 = -0.004;
    # squared deviations 0.010816 + 0.001156 + 0.055696 + 0.010816 + 0.000036 = 0.07852 -> variance / 4
    std = math.sqrt(0.07852 / 4)
    assert (result.n_pairs, result.mean_difference) == pytest.approx((5, -0.004))
    assert result.ci_high == pytest.approx(-0.004 + T_975[4] * std / math.sqrt(5))
    t_statistic = -0.004 / (std / math.sqrt(5))  # -0.0638
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(t_statistic), 4))
    assert result.p_value == pytest.approx(
        stats.ttest_rel([0.8, 0.75, 0.5, 0.9, 0.85], [0.7, 0.72, 0.74, 0.8, 0.86]).pvalue
    )
    assert result.p_value == pytest.approx(0.95216, abs=1e-5)


def test_paired_difference_over_models_that_ran() -> None:
    result = compare_paired(STRATEGY, REFERENCE, failure_score=None)
    # differences 0.10, 0.03, 0.10, -0.01: mean 0.055; squared deviations sum 0.0089 -> variance / 3
    std = math.sqrt(0.0089 / 3)
    assert (result.n_pairs, result.mean_difference) == pytest.approx((4, 0.055))
    assert result.ci_low == pytest.approx(0.055 - T_975[3] * std / 2)
    assert result.p_value == pytest.approx(
        stats.ttest_rel([0.8, 0.75, 0.9, 0.85], [0.7, 0.72, 0.8, 0.86]).pvalue
    )


def test_wilcoxon_exact_p_value() -> None:
    strategy = _auc(0.85, 0.90, 0.95, 1.00, 0.79)
    reference = _auc(0.80, 0.80, 0.80, 0.80, 0.80)
    result = compare_paired(strategy, reference, test="wilcoxon")
    # differences 0.05, 0.10, 0.15, 0.20, -0.01: the one negative has rank 1, so W- = 1. Of the 2^5 = 32
    # equally likely sign patterns, 2 give W- <= 1 ({} and {1}); two-sided p = 2 * 2 / 32.
    assert result.p_value == pytest.approx(0.125)
    assert result.mean_difference == pytest.approx(0.098)


def test_identical_scores_give_p_one_and_a_zero_interval() -> None:
    result = compare_paired(_auc(0.9, 0.8, 0.7), _auc(0.9, 0.8, 0.7))
    assert (result.mean_difference, result.ci_low, result.ci_high, result.p_value) == (0, 0, 0, 1.0)


def test_a_constant_gain_has_no_spread_to_test_against() -> None:
    """Float noise is rounded away, and a gain with no spread is not "p < 0.001": it is untestable
    (two identical replicates used to report p < 0.001)."""
    result = compare_paired(_auc(0.9, 0.8, 0.7), _auc(0.8, 0.7, 0.6))
    assert result.mean_difference == pytest.approx(0.1) and result.ci_low == pytest.approx(result.ci_high)
    assert math.isnan(result.p_value)


def test_one_pair_has_no_p_value() -> None:
    result = compare_paired(_auc(0.9), _auc(0.8))
    assert result.n_pairs == 1 and math.isnan(result.p_value) and math.isnan(result.ci_low)


def test_misaligned_replicates_and_unknown_test_are_errors() -> None:
    with pytest.raises(ValueError, match="same replicates on both sides; got 2 and 1"):
        compare_paired(_auc(0.9, 0.8), _auc(0.8))
    with pytest.raises(ValueError, match="unknown test 'sign'; choose from: t, wilcoxon"):
        compare_paired(_auc(0.9), _auc(0.8), test="sign")  # type: ignore[arg-type]
