"""Snapshots of the multiclass and regression prompts (binary: test_prompts.py), and their evidence.

To accept an intended change, rerun with IBL_UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.agents.critic import Evidence, critic_prompt
from ibl_agents.agents.generator import BestSoFar, generator_prompt, revise_prompt, train_constants
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.prompts.templates import render_section
from sandbox.results import OutcomeKind
from tests.core.test_prompts import _check

ROWS = list(range(12))


def _iris_like() -> Dataset:
    x = np.linspace(0, 3, 12).round(2)
    species = ["setosa"] * 4 + ["versicolor"] * 4 + ["virginica"] * 4
    return load_dataset(
        pd.DataFrame({"petal": x, "sepal": (x * 2 + 1).round(2), "species": species}), "species"
    )


def _numeric() -> Dataset:
    x = np.linspace(0, 3, 12).round(2)
    return load_dataset(
        pd.DataFrame({"dose": x, "age": np.arange(12) * 5 + 20, "level": (x * 3.5).round(3)}), "level"
    )


def _prompt(dataset: Dataset) -> str:
    constants = train_constants(dataset, ROWS)
    return generator_prompt(dataset, ROWS, token_budget=2000, seed=0, feedback="", constants=constants)


def test_generator_multiclass_prompt() -> None:
    _check("generator_multiclass", _prompt(_iris_like()))


def test_generator_regression_prompt_states_the_plain_value_of_a_lower_is_better_metric() -> None:
    dataset = _numeric()
    best = BestSoFar("def predict(df):\n    return df['dose']\n", -2.5, "neg_rmse")
    prompt = revise_prompt(dataset, best, "- scale it", train_constants(dataset, ROWS))
    assert "The best code so far (validation rmse 2.500):" in prompt
    _check("generator_regression", prompt)


def test_critic_multiclass_prompt_names_confused_pairs() -> None:
    dataset = _iris_like()
    # calls every versicolor row virginica, and two of the virginica rows setosa
    predicted = [0] * 4 + [2] * 4 + [2, 2, 0, 0]
    scores = np.eye(3)[predicted].tolist()
    evaluation = Evaluation(
        OutcomeKind.OK,
        validation={"macro_f1": 0.5, "accuracy": 0.5, "log_loss": 17.3},
        train={"macro_f1": 0.5, "accuracy": 0.5, "log_loss": 17.3},
        train_scores=scores,
    )
    evidence = Evidence.of(evaluation, dataset, ROWS, "macro_f1", 0.4, n_misclassified=4, tracebacks=True)
    assert "versicolor -> virginica (4 rows), virginica -> setosa (2 rows)" in evidence.misclassified
    _check("critic_multiclass", critic_prompt("def predict(df):\n    ...\n", evidence, dataset))


def test_critic_regression_prompt_names_the_largest_signed_errors() -> None:
    dataset = _numeric()
    truth = dataset.y.to_numpy()
    scores = (truth + np.where(np.arange(12) < 6, 4.0, -1.0)).tolist()  # first half far too high
    evaluation = Evaluation(
        OutcomeKind.OK,
        validation={"r2": -0.4, "rmse": 2.9, "mae": 2.5},
        train={"r2": -0.4, "rmse": 2.9, "mae": 2.5},
        train_scores=scores,
    )
    evidence = Evidence.of(evaluation, dataset, ROWS, "neg_rmse", -2.0, n_misclassified=3, tracebacks=True)
    assert "mean error is +1.5 (predictions too high on average)" in evidence.misclassified
    assert evidence.misclassified.count("+4 (over-predicted)") == 3
    assert any("worse than predicting TARGET_MEAN" in note for note in evidence.notes)
    _check("critic_regression", critic_prompt("def predict(df):\n    ...\n", evidence, dataset))


def test_a_multiclass_model_that_always_picks_one_class_is_named() -> None:
    evaluation = Evaluation(
        OutcomeKind.OK, validation={"macro_f1": 0.2}, train_scores=[[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]]
    )
    evidence = Evidence.of(
        evaluation, _iris_like(), ROWS[:2], "macro_f1", None, n_misclassified=0, tracebacks=True
    )
    assert evidence.notes == [
        "every row gets the same most probable class ('versicolor'); the other classes never win: score each"
        " class by how close the row is to its MEAN_BY_CLASS values."
    ]


def test_every_task_file_has_every_section() -> None:
    values = {"target": "t", "first_feature": "f", "positive_label": "p", "negative_label": "n"}
    values |= {"n_classes": 3, "class_list": "a, b, c"}
    for task in ("binary", "multiclass", "regression"):
        for section in ("intro", "returns", "example", "critic_target", "critic_returns"):
            assert render_section(f"task_{task}", section, values).strip(), (task, section)
    with pytest.raises(KeyError, match="has no section 'outro'"):
        render_section("task_binary", "outro", values)
    with pytest.raises(KeyError, match=r"missing \['positive_label'\]"):
        render_section("task_binary", "intro", {"target": "t", "negative_label": "n"})
