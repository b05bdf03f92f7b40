"""Task types: the auto rule, the target's encoding, task-aware splits and audit, metric validation."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.data.audit import audit
from ibl_agents.data.dataset import load_dataset
from ibl_agents.data.splits import make_splits
from ibl_agents.errors import ConfigError, DataError
from ibl_agents.tasks import selection_metric, selection_score


def _frame(target: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(len(target), dtype=float), "y": target})


@pytest.mark.parametrize(
    ("target", "task"),
    [
        (["b", "a", "c", "a", "b", "c"], "multiclass"),
        ([3, 1, 2, 1, 2, 3], "multiclass"),  # few distinct whole numbers are classes
        ([0.5, 1.5] * 3, "binary"),  # two values are always two classes
        ([True, False] * 3, "binary"),
        (list(np.linspace(0, 1, 6)), "regression"),  # fractions
        (list(range(0, 50, 2)), "regression"),  # 25 distinct whole numbers: more than 20 classes
    ],
)
def test_auto_rule(target: list[object], task: str) -> None:
    dataset = load_dataset(_frame(target), "y")
    assert dataset.task == task
    assert dataset.task_reason.startswith(f"auto: {len(set(target))} distinct")
    assert f"-> {task}" in dataset.task_reason


def test_multiclass_orders_classes_as_text_and_encodes_indices() -> None:
    dataset = load_dataset(_frame([10, 9, 2, 9, 10, 2]), "y")
    assert dataset.classes == ("10", "2", "9")  # sorted as text, as promised: stable for any row order
    assert dataset.y.tolist() == [0, 2, 1, 2, 0, 1]
    with pytest.raises(ValueError, match="no positive/negative label; use `classes`"):
        _ = dataset.positive_label


def test_regression_keeps_the_numbers() -> None:
    dataset = load_dataset(_frame([1.5, 2.25, 3.0, 8.0]), "y")
    assert dataset.classes == () and dataset.y.dtype == float
    assert dataset.y.tolist() == [1.5, 2.25, 3.0, 8.0] and dataset.y.name == "y"


def test_binary_is_as_before() -> None:
    dataset = load_dataset(_frame(["no", "yes", "no", "yes"]), "y")
    assert (dataset.task, dataset.classes, dataset.positive_label) == ("binary", ("no", "yes"), "yes")
    assert dataset.y.tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize(
    ("target", "task", "message"),
    [
        (
            [0, 1, 2, 0, 1, 2],
            "binary",
            "has 3 classes; binary classification needs two: pass --task multiclass",
        ),
        (["a", "b", "a", "b"], "regression", "is not numeric ('a'); regression needs numbers"),
        ([f"c{i}" for i in range(25)] * 2, "auto", "has 25 classes; at most 20 fit a prompt"),
        (list(range(25)) * 2, "multiclass", "merge rare classes, or pass --task regression"),
        ([0, 1, 2, 2, 1], "auto", "1 of them (0) have a single row; each class needs at least 2 rows"),
        ([2.5] * 4, "regression", "has a single value (2.5); nothing to learn"),
        ([0, 1] * 3, "ordinal", "unknown task 'ordinal'; choose one of auto, binary, multiclass, regression"),
    ],
)
def test_a_target_that_does_not_fit_the_task_is_one_clear_error(
    target: list[object], task: str, message: str
) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        load_dataset(_frame(target), "y", task=task)


def test_explicit_multiclass_accepts_two_classes() -> None:
    dataset = load_dataset(_frame(["a", "b"] * 3), "y", task="multiclass")
    assert dataset.task == "multiclass" and dataset.task_reason == "--task multiclass"


def test_selection_metric_per_task() -> None:
    assert [selection_metric("auto", t) for t in ("binary", "multiclass", "regression")] == [
        "auc",
        "macro_f1",
        "r2",
    ]
    with pytest.raises(ConfigError, match="'auc' does not fit a regression task; choose one of r2, neg_rmse"):
        selection_metric("auc", "regression")
    assert selection_score({"rmse": 2.5, "r2": 0.4}, "neg_rmse") == -2.5
    assert selection_score({"rmse": 2.5}, "r2") is None


def test_config_refuses_a_metric_that_does_not_fit_an_explicit_task() -> None:
    config = RefineConfig()
    config.data.task, config.loop.metric = "multiclass", "auc"
    with pytest.raises(ConfigError, match="does not fit a multiclass task; choose one of macro_f1, accuracy"):
        config.validate()
    config.data.task = "auto"
    config.validate()  # checked once the data says which task it is
    config.loop.metric = "f2"
    with pytest.raises(ConfigError, match=r"loop\.metric must be one of auto, auc, accuracy, macro_f1"):
        config.validate()


def test_regression_splits_are_seeded_shuffles_with_folds() -> None:
    y = pd.Series(np.linspace(0, 10, 100))
    splits = make_splits(y, seed=1, n_folds=3, test_fraction=0.2, train_fraction=0.5, stratify=False)
    parts = [set(splits.train), set(splits.validation), set(splits.test)]
    assert sum(map(len, parts)) == 100 and len(set().union(*parts)) == 100
    assert len(splits.folds) == 3 and len(splits.test) == 20
    again = make_splits(y, seed=1, n_folds=3, test_fraction=0.2, train_fraction=0.5, stratify=False)
    assert again == splits


def test_multiclass_splits_hold_every_class_in_every_fold() -> None:
    y = pd.Series(np.arange(90) % 3)
    splits = make_splits(y, seed=0, n_folds=3, test_fraction=0.2, train_fraction=0.5)
    assert all(set(y[fold]) == {0, 1, 2} for fold in splits.folds)
    assert set(y[splits.train]) == {0, 1, 2}


def test_audit_maps_a_copied_class_column_and_skips_regression_with_a_note() -> None:
    y = pd.Series(np.arange(90) % 3, name="species")
    frame = pd.DataFrame({"copy": y.map({0: "s", 1: "v", 2: "g"}), "noise": np.arange(90) % 7})
    report = audit(frame, y, "multiclass")
    assert report.leaks == ["copy"] and "binary only" in report.notes[0]
    target = pd.Series(np.linspace(0, 1, 90), name="price")
    report = audit(pd.DataFrame({"double": target * 2, "c": 1}), target, "regression")
    assert report.leaks == [] and report.constant == ["c"]
    assert report.notes == ["leak rules read class labels: not checked for a regression target"]
