"""The host's gates and metrics for multiclass and regression output (binary: tests/sandbox and test_icl)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score, log_loss, mean_absolute_error, r2_score

from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.evaluation.gates import check_predictions
from ibl_agents.evaluation.metrics import FAILED_SCORE, metrics
from sandbox.results import OutcomeKind

UNIFORM = [[1 / 3] * 3] * 4


@pytest.mark.parametrize(
    ("predictions", "message"),
    [
        ([[0.5, 0.5]] * 4, "returned shape (4, 2), expected (4, 3); one probability per class per row"),
        ([0.2, 0.3, 0.5, 0.1], "returned shape (4,), expected (4, 3)"),
        (UNIFORM[:3], "returned shape (3, 3), expected (4, 3)"),
        (
            [[0.2, 0.3, 0.5]] * 3 + [[float("nan"), 0.5, 0.5]],
            "NaN or infinite probabilities in 1 row(s) (first at row 3)",
        ),
        ([[0.2, 0.3, 0.5], [1.2, -0.4, 0.2]] * 2, "negative probabilities (lowest -0.4, at row 1)"),
        ([[0.2, 0.3, 0.5], [2.0, 1.0, 0.5]] * 2, "rows that sum to 1 .. 3.5 (row 1: 3.5)"),
        (
            [[0.0, 0.0, 0.0]] * 4,
            "divide each row by its sum (p / p.sum(axis=1, keepdims=True)) or use a softmax",
        ),
    ],
)
def test_bad_class_probabilities_are_invalid_output_naming_the_fix(predictions: list, message: str) -> None:
    check = check_predictions(predictions, 4, "multiclass", 3)
    assert check.kind is OutcomeKind.INVALID_OUTPUT
    assert message in check.message


def test_the_softmax_is_named_for_negative_probabilities() -> None:
    check = check_predictions([[-1.0, 2.0, 0.0]] * 4, 4, "multiclass", 3)
    assert (
        "e = np.exp(s - s.max(axis=1, keepdims=True)); p = e / e.sum(axis=1, keepdims=True)" in check.message
    )


def test_rows_rounded_to_two_decimals_pass_the_sum_gate() -> None:
    assert check_predictions([[0.33, 0.33, 0.33]] * 4, 4, "multiclass", 3).kind is OutcomeKind.OK
    assert check_predictions([[0.32, 0.32, 0.32]] * 4, 4, "multiclass", 3).kind is OutcomeKind.INVALID_OUTPUT


@pytest.mark.parametrize(
    ("predictions", "message"),
    [
        ([1.0, 2.0, 3.0], "returned 3 values for 4 rows"),
        ([1.0, float("inf"), 3.0, float("nan")], "returned 2 NaN or infinite value(s) (first at row 1)"),
    ],
)
def test_bad_regression_output(predictions: list[float], message: str) -> None:
    check = check_predictions(predictions, 4, "regression")
    assert check.kind is OutcomeKind.INVALID_OUTPUT and message in check.message


def test_regression_values_are_not_held_to_a_range() -> None:
    assert check_predictions([-250.0, 0.0, 1e6, 3.5], 4, "regression").kind is OutcomeKind.OK
    assert check_predictions([-250.0, 0.0, 1e6, 3.5], 4, "binary").kind is OutcomeKind.INVALID_OUTPUT


def test_multiclass_metrics_agree_with_scikit_learn() -> None:
    y = np.array([0, 1, 2, 2, 1, 0])
    p = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.6, 0.3, 0.1]]
    )
    scores = metrics(y, p, "multiclass")
    assert set(scores) == {"macro_f1", "accuracy", "log_loss"}
    assert scores["accuracy"] == pytest.approx(5 / 6)
    assert scores["macro_f1"] == pytest.approx(f1_score(y, p.argmax(axis=1), average="macro"))
    assert scores["log_loss"] == pytest.approx(log_loss(y, p))


def test_log_loss_is_clipped_and_rows_are_normalised() -> None:
    y = np.array([0, 1])
    certain_and_wrong = metrics(y, np.array([[0.0, 1.0], [0.5, 0.5]]), "multiclass")
    assert certain_and_wrong["log_loss"] == pytest.approx((-math.log(1e-15) + math.log(2)) / 2)
    drifted = metrics(y, np.array([[0.604, 0.4], [0.4, 0.604]]), "multiclass")  # rows sum to 1.004
    assert drifted["log_loss"] == pytest.approx(-math.log(0.604 / 1.004))


def test_regression_metrics_agree_with_scikit_learn() -> None:
    y, predicted = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    scores = metrics(y, predicted, "regression")
    assert scores["r2"] == pytest.approx(r2_score(y, predicted))
    assert scores["mae"] == pytest.approx(mean_absolute_error(y, predicted))
    assert scores["rmse"] == pytest.approx(math.sqrt(np.mean((y - predicted) ** 2)))


def test_lower_is_better_metrics_rank_by_their_negation() -> None:
    better = Evaluation(OutcomeKind.OK, validation={"rmse": 2.0, "r2": 0.5, "mae": 1.0})
    worse = Evaluation(OutcomeKind.OK, validation={"rmse": 3.0, "r2": 0.4, "mae": 1.5})
    assert better.score("neg_rmse") == -2.0 > worse.score("neg_rmse")
    assert better.score("r2") > worse.score("r2")
    failed = Evaluation(OutcomeKind.INVALID_OUTPUT, "returned 2 NaN")
    assert failed.score("neg_rmse") == FAILED_SCORE < worse.score("neg_rmse")
