"""Reading the target column: which task it makes, and its encoding (class indices or floats).

The ``auto`` rule, from ``ibl_agents.tasks``: booleans, text and whole numbers with at most ``MAX_CLASSES``
distinct values are classes (2 -> binary, 3 or more -> multiclass); numbers with a fractional part, or more
distinct whole numbers than that, are a regression target. Explicit tasks are checked against the column:
binary needs exactly two classes, multiclass at most ``MAX_CLASSES``, regression numbers.

Classes are indices into ``classes``: binary keeps its historic order (negative, positive); multiclass
sorts the labels as text, so the order is stable whatever order the rows come in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ibl_agents.errors import DataError
from ibl_agents.tasks import AUTO, MAX_CLASSES, TASK_SETTINGS, TaskType

POSITIVE_NAMES = frozenset({"1", "true", "yes", "y", "positive", "pos"})


@dataclass(frozen=True)
class EncodedTarget:
    task: TaskType
    y: pd.Series  # class index (int) for classification, float for regression
    classes: tuple[str, ...]  # label of each class index; () for regression
    reason: str  # why this task, for the run header


def encode_target(labels: pd.Series, target: str, task: str = AUTO) -> EncodedTarget:
    """Resolve ``task`` for the target column ``labels`` (no missing values) and encode it."""
    if task not in TASK_SETTINGS:
        raise DataError(f"unknown task {task!r}; choose one of {', '.join(TASK_SETTINGS)}")
    numeric, distinct = labels.dtype.kind in "iuf", labels.nunique()
    if task == AUTO and distinct != 2 and numeric and (not _whole(labels) or distinct > MAX_CLASSES):
        return _regression(labels, target, _auto_reason(labels, "regression"))
    if task == "regression":
        return _regression(labels, target, "--task regression")
    classes = sorted(labels.unique(), key=str)
    if len(classes) < 2:
        raise DataError(
            f"target column {target!r} has a single class ({str(classes[0])!r}); binary classification"
            " needs two"
        )
    if task == "binary" and len(classes) > 2:
        raise DataError(
            f"target column {target!r} has {len(classes)} classes; binary classification needs two: pass"
            " --task multiclass (or --task auto)"
        )
    if len(classes) > MAX_CLASSES:
        hint = ", or pass --task regression for a numeric target" if numeric else ""
        raise DataError(
            f"target column {target!r} has {len(classes)} classes; at most {MAX_CLASSES} fit a prompt"
            f" (per-class statistics, one probability column each): merge rare classes{hint}"
        )
    if task == "binary" or (task == AUTO and len(classes) == 2):
        return _binary(
            labels, classes, "--task binary" if task == "binary" else _auto_reason(labels, "binary")
        )
    reason = "--task multiclass" if task == "multiclass" else _auto_reason(labels, "multiclass")
    return _multiclass(labels, classes, target, reason)


def _whole(labels: pd.Series) -> bool:
    values = labels.to_numpy(dtype=float)
    return bool(np.all(values == np.round(values)))


def _auto_reason(labels: pd.Series, task: str) -> str:
    """The auto rule as it applied to this column, for the run header."""
    distinct = labels.nunique()
    if labels.dtype.kind not in "iuf":
        kind = "labels"
    else:
        kind = "whole numbers" if _whole(labels) else "numbers with fractions"
    return (
        f"auto: {distinct} distinct {kind} -> {task} (2 values -> binary; 3-{MAX_CLASSES} labels or whole"
        " numbers -> multiclass; other numbers -> regression)"
    )


def _binary(labels: pd.Series, classes: list[object], reason: str) -> EncodedTarget:
    """The positive class: 1/True/'yes'-like values win, otherwise the later one in sort order."""
    negative, positive = classes
    for value in classes:
        if str(value).strip().lower() in POSITIVE_NAMES:
            negative, positive = next(c for c in classes if c is not value), value
            break
    y = (labels == positive).astype(int)
    return EncodedTarget("binary", y, (str(negative), str(positive)), reason)


def _multiclass(labels: pd.Series, classes: list[object], target: str, reason: str) -> EncodedTarget:
    names = tuple(str(value) for value in classes)
    if len(set(names)) != len(names):
        raise DataError(
            f"target column {target!r} holds distinct labels that print the same ({', '.join(names)}); make"
            " its values one type (all text or all numbers)"
        )
    counts = labels.value_counts()
    rare = [str(value) for value in classes if counts[value] < 2]
    if rare:
        raise DataError(
            f"target column {target!r} has {len(classes)} classes, and {len(rare)} of them"
            f" ({', '.join(rare)}) have a single row; each class needs at least 2 rows (one to learn from,"
            " one to validate): add rows or drop those classes"
        )
    index = {value: i for i, value in enumerate(classes)}
    y = labels.map(index).astype(int)
    return EncodedTarget("multiclass", y, names, reason)


def _regression(labels: pd.Series, target: str, reason: str) -> EncodedTarget:
    if labels.dtype.kind not in "iuf":
        raise DataError(
            f"target column {target!r} is not numeric ({labels.iloc[0]!r}); regression needs numbers: pass"
            " --task multiclass or --task binary for labels"
        )
    values = labels.astype(float)
    if not np.isfinite(values.to_numpy()).all():
        raise DataError(f"target column {target!r} holds infinite values; regression needs finite numbers")
    if values.nunique() < 2:
        raise DataError(f"target column {target!r} has a single value ({values.iloc[0]:g}); nothing to learn")
    return EncodedTarget("regression", values, (), reason)


def target_meaning(task: str, classes: tuple[str, ...]) -> str:
    """What the encoded target means, for headers: ``1 = yes``, the class order, or a number."""
    if task == "binary":
        return f"1 = {classes[1]}"
    if task == "multiclass":
        return f"classes in column order: {', '.join(classes)}"
    return "regression: a number"


def prediction_meaning(task: str, classes: tuple[str, ...]) -> str:
    """What ``predict(df)`` returns for this task, completing "it returns ..."."""
    if task == "multiclass":
        return f"one row of class probabilities per row, columns in the order {', '.join(classes)}"
    return "one number per row" if task == "regression" else "one probability per row"
