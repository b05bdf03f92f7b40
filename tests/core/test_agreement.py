"""Agreement between replicates' programs, against pairwise counts done by hand."""

from __future__ import annotations

import math

import pytest

from ibl_agents.replicates.agreement import column_overlap, label_agreement, score_correlation

# Three replicates' scores on the same four test rows.
A = [0.9, 0.2, 0.6, 0.4]  # labels 1 0 1 0
B = [0.8, 0.1, 0.3, 0.45]  # labels 1 0 0 0
C = [0.2, 0.7, 0.55, 0.5]  # labels 0 1 1 1


def test_label_agreement_is_the_mean_pairwise_share() -> None:
    # A-B agree on rows 1, 2, 4 (3/4); A-C on row 3 (1/4); B-C on none (0/4)
    assert label_agreement([A, B, C]) == pytest.approx((0.75 + 0.25 + 0.0) / 3)


def test_label_agreement_threshold() -> None:
    # at 0.35: A 1 0 1 1, B 1 0 0 1 -> they agree on rows 1, 2, 4
    assert label_agreement([A, B], threshold=0.35) == pytest.approx(0.75)


def test_spearman_compares_rankings() -> None:
    # ranks: A 4 1 3 2, B 4 1 2 3, C 1 4 3 2. Spearman = 1 - 6 * sum(d^2) / (n (n^2 - 1)), n (n^2 - 1) = 60
    # A-B: d^2 = 0 0 1 1 -> 1 - 12/60 = 0.8;  A-C: 9 9 0 0 -> 1 - 108/60 = -0.8;  B-C: 9 9 1 1 -> -1.0
    assert score_correlation([A, B, C]) == pytest.approx((0.8 - 0.8 - 1.0) / 3)


def test_pearson_on_linear_scores() -> None:
    doubled = [2 * value for value in A]
    flipped = [1 - value for value in A]
    assert score_correlation([A, doubled, flipped], method="pearson") == pytest.approx((1 - 1 - 1) / 3)


def test_constant_scores_rank_nothing_and_leave_their_pairs_out() -> None:
    constant = [0.5, 0.5, 0.5, 0.5]
    assert score_correlation([A, B, constant]) == pytest.approx(0.8)
    assert math.isnan(score_correlation([A, constant]))


def test_column_overlap_is_the_mean_pairwise_jaccard() -> None:
    # {a,b}-{b,c}: 1/3; {a,b}-{a,b,c}: 2/3; {b,c}-{a,b,c}: 2/3
    assert column_overlap([{"a", "b"}, {"b", "c"}, {"a", "b", "c"}]) == pytest.approx(5 / 9)
    assert column_overlap([set(), set()]) == 1.0
    assert column_overlap([{"a"}, set()]) == 0.0


def test_fewer_than_two_replicates_have_no_pair() -> None:
    assert math.isnan(label_agreement([A]))
    assert math.isnan(column_overlap([{"a"}]))


def test_misaligned_predictions_and_unknown_method_are_errors() -> None:
    with pytest.raises(ValueError, match=r"different numbers of test rows \[3, 4\]"):
        label_agreement([A, A[:3]])
    with pytest.raises(ValueError, match="unknown method 'kendall'; choose from: spearman, pearson"):
        score_correlation([A, B], method="kendall")  # type: ignore[arg-type]
