"""The error-region finding: the box where a binary model's training errors concentrate, and its rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.agents.critic import Evidence
from ibl_agents.data.dataset import load_dataset
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.feedback.error_region import error_region_note, find_error_region
from sandbox.results import OutcomeKind

GRID = np.linspace(-2, 2, 8)  # no row at x1 = 0, where the model says 0.5
# x1 decides the label except in the box x1 <= -1 and x2 > 0 (8 of 64 rows), which is positive too.
FRAME = pd.DataFrame([(a, b) for a in GRID for b in GRID], columns=["x1", "x2"])
IN_BOX = (FRAME["x1"] <= -1) & (FRAME["x2"] > 0)
ROWS = list(range(len(FRAME)))


def _dataset(frame: pd.DataFrame, label: pd.Series, task: str = "auto"):
    return load_dataset(frame.assign(y=label.astype(int)), "y", task=task)


def _linear_scores(frame: pd.DataFrame) -> np.ndarray:
    """A model that reads x1 only: right everywhere outside the box."""
    return 1 / (1 + np.exp(-3 * frame["x1"].to_numpy()))


def test_names_the_box_of_missed_positives_and_its_rule_fixes_them() -> None:
    dataset = _dataset(FRAME, (FRAME["x1"] > 0) | IN_BOX)
    scores = _linear_scores(FRAME)
    region = find_error_region(scores, dataset, ROWS)
    assert region is not None and region.label == 1 and region.shift > 0
    assert region.errors == region.rows == int(IN_BOX.sum())
    assert pd.eval(region.mask, local_dict={"df": FRAME}).equals(IN_BOX)
    # The suggested line, applied to the model's score, carries the box's median error across 0.5 and
    # changes no row outside the box.
    before = 3 * FRAME["x1"].to_numpy()
    after = before + region.shift * pd.eval(region.mask, local_dict={"df": FRAME}).to_numpy()
    fixed = (after > 0) & (before <= 0)
    assert fixed.sum() >= region.errors / 2 and not fixed[~IN_BOX].any()
    note = error_region_note(scores, dataset, ROWS)
    assert f"{region.errors} of the {region.rows} training rows where" in note
    assert f"score += {region.shift} * ({region.mask}).to_numpy()" in note


def test_inside_reads_the_mask_text_on_any_frame_and_a_missing_value_is_outside() -> None:
    region = find_error_region(_linear_scores(FRAME), _dataset(FRAME, (FRAME["x1"] > 0) | IN_BOX), ROWS)
    assert region is not None and region.inside(FRAME).tolist() == IN_BOX.tolist()
    other = pd.DataFrame({"x2": [1.0, 1.0, np.nan], "x1": [-2.0, 2.0, -2.0]}, index=[7, 3, 5])
    assert region.inside(other).tolist() == [True, False, False]
    assert region.inside(FRAME.iloc[:0]).shape == (0,)


def test_false_positives_get_a_rule_that_lowers_them() -> None:
    dataset = _dataset(FRAME, (FRAME["x1"] > 0) & ~((FRAME["x1"] > 1) & (FRAME["x2"] <= 0)))
    region = find_error_region(_linear_scores(FRAME), dataset, ROWS)
    assert region is not None and region.label == 0 and region.shift < 0
    assert "below 0.5" not in error_region_note(_linear_scores(FRAME), dataset, ROWS)


def test_no_region_for_few_errors_or_a_task_that_is_not_binary() -> None:
    label = FRAME["x1"] > 0
    label.iloc[40] = not label.iloc[40]  # one error: no region holds two
    assert find_error_region(_linear_scores(FRAME), _dataset(FRAME, label), ROWS) is None
    small_box = (FRAME["x1"] <= -1) & (FRAME["x2"] > 1)  # 4 errors: fewer than 10 % of the 64 rows
    assert (
        find_error_region(_linear_scores(FRAME), _dataset(FRAME, (FRAME["x1"] > 0) | small_box), ROWS) is None
    )
    multiclass = _dataset(FRAME, np.sign(FRAME["x1"]) + 1, task="multiclass")
    assert error_region_note(np.zeros((len(FRAME), 3)), multiclass, ROWS) is None


def test_columns_with_missing_values_are_not_used_for_a_region() -> None:
    frame = FRAME.assign(x2=FRAME["x2"].where(FRAME["x2"] < 2))  # x2 has missing values now
    dataset = _dataset(frame, (FRAME["x1"] > 0) | IN_BOX)
    region = find_error_region(_linear_scores(FRAME), dataset, ROWS)
    assert region is None or all("x2" not in condition for condition in region.conditions)


@pytest.mark.parametrize("channel", [True, False])
def test_the_finding_reaches_the_feedback_only_with_its_aid(channel: bool) -> None:
    dataset = _dataset(FRAME, (FRAME["x1"] > 0) | IN_BOX)
    evaluation = Evaluation(
        OutcomeKind.OK, validation={"auc": 0.9, "accuracy": 0.9}, train_scores=_linear_scores(FRAME).tolist()
    )
    aids = ("error_region",) if channel else ()
    evidence = Evidence.of(
        evaluation, dataset, ROWS, "auc", 0.9, n_misclassified=4, tracebacks=True, aids=aids
    )
    assert ("the errors concentrate in one region" in evidence.as_feedback()) is channel
    assert evidence.findings == aids  # the aid that fired is named, for the candidate it shapes


def test_a_strong_column_left_out_is_named_instead_of_a_region() -> None:
    dataset = _dataset(FRAME, (FRAME["x1"] > 0) | IN_BOX)
    evaluation = Evaluation(
        OutcomeKind.OK, validation={"auc": 0.6, "accuracy": 0.6}, train_scores=_linear_scores(FRAME).tolist()
    )
    feedback = Evidence.of(
        evaluation,
        dataset,
        ROWS,
        "auc",
        0.6,
        n_misclassified=4,
        tracebacks=True,
        code="def predict(df):\n    return df['x2'] * 0 + 0.5\n",
        aids=("unused_columns", "error_region"),
    ).as_feedback()
    assert "predict does not use x1" in feedback and "the errors concentrate" not in feedback
