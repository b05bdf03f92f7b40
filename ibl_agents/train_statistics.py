"""Statistics of the train rows that the generator prompt hands over as Python constants, per task.

Small models asked to "use the class averages" tried to compute them inside ``predict`` from a target
column it never receives (observed here, 1.5B model). Handing them over as ready constants removes that
failure and is the cheapest strong hint a model can use. Each constant is one line, so that
``generator.add_missing_constants`` can define those the code uses without copying them.

- binary: ``MEAN_WHEN_1``, ``MEAN_WHEN_0`` (per-class means of the numeric features), ``SPREAD`` (their
  standard deviation over all train rows);
- multiclass: ``CLASSES`` (the column order predict returns), ``MEAN_BY_CLASS`` (class -> feature means),
  ``SPREAD``;
- regression: ``TARGET_MEAN``, ``TARGET_SPREAD`` (of the target), ``MEAN``, ``SPREAD`` (of the features),
  ``CORRELATION`` (of each feature with the target: the sign and strength of a linear term).

``stated_statistics`` lists the per-column numbers those constants state, for ``shown_rows``: a code model
that writes them back uses the prompt rather than copying rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_NUMERIC = "(no numeric features)"


def train_constants_text(
    frame: pd.DataFrame, y: pd.Series, target: str, task: str, classes: tuple[str, ...]
) -> str:
    """The constants block of the generator prompt for ``task`` (``y``: class indices or numbers)."""
    if task == "multiclass":
        return multiclass_constants(frame, y, target, classes)
    if task == "regression":
        return regression_constants(frame, y, target)
    return binary_constants(frame, y, target, (classes[1], classes[0]))


def binary_constants(frame: pd.DataFrame, y: pd.Series, target: str, labels: tuple[str, str]) -> str:
    """Per-class means and the spread of numeric features; ``labels`` is (positive, negative)."""
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return NO_NUMERIC
    positive, negative = labels
    is_positive = y.to_numpy() == 1
    means_1, means_0 = _mapping(numeric[is_positive].mean()), _mapping(numeric[~is_positive].mean())
    return "\n".join(
        [
            f"MEAN_WHEN_1 = {means_1}  # training rows with {target} = {positive}",
            f"MEAN_WHEN_0 = {means_0}  # training rows with {target} = {negative}",
            f"SPREAD = {_mapping(numeric.std())}  # standard deviation over all training rows",
        ]
    )


def multiclass_constants(frame: pd.DataFrame, y: pd.Series, target: str, classes: tuple[str, ...]) -> str:
    lines = [f"CLASSES = {list(classes)!r}  # the column order of what predict returns"]
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return "\n".join([*lines, NO_NUMERIC])
    labels = y.to_numpy()
    by_class = ", ".join(
        f"{name!r}: {_mapping(numeric[labels == index].mean())}" for index, name in enumerate(classes)
    )
    return "\n".join(
        [
            *lines,
            f"MEAN_BY_CLASS = {{{by_class}}}  # feature averages of the training rows of each {target} class",
            f"SPREAD = {_mapping(numeric.std())}  # standard deviation over all training rows",
        ]
    )


def regression_constants(frame: pd.DataFrame, y: pd.Series, target: str) -> str:
    lines = [
        f"TARGET_MEAN = {y.mean():.4g}  # average {target} of the training rows",
        f"TARGET_SPREAD = {y.std():.4g}  # standard deviation of {target} over the training rows",
    ]
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return "\n".join([*lines, NO_NUMERIC])
    return "\n".join(
        [
            *lines,
            f"MEAN = {_mapping(numeric.mean())}  # feature averages over all training rows",
            f"SPREAD = {_mapping(numeric.std())}  # standard deviation over all training rows",
            f"CORRELATION = {_mapping(_correlations(numeric, y))}  # of each feature with {target}, -1 .. 1",
        ]
    )


def stated_statistics(frame: pd.DataFrame, y: pd.Series, task: str) -> list[pd.Series]:
    """The per-column numbers the task's constants state about ``frame`` (one Series per constant)."""
    numeric = frame.select_dtypes(include="number")
    labels = y.to_numpy()
    if task == "regression":
        return [numeric.std(), numeric.mean()]
    if task == "multiclass":
        return [numeric.std(), *(numeric[labels == index].mean() for index in np.unique(labels))]
    return [numeric.std(), numeric[labels == 1].mean(), numeric[labels != 1].mean()]


def _correlations(numeric: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Pearson correlation per column over rows where it is known; 0 for a constant column."""
    values = {}
    target = y.to_numpy(dtype=float)
    for column in numeric.columns:
        x = numeric[column].to_numpy(dtype=float)
        known = ~np.isnan(x)
        xs, ys = x[known], target[known]
        spread = xs.std() * ys.std() if known.sum() > 1 else 0.0
        values[column] = float(((xs - xs.mean()) * (ys - ys.mean())).mean() / spread) if spread > 0 else 0.0
    return pd.Series(values)


def _mapping(values: pd.Series) -> str:
    return "{" + ", ".join(f"{name!r}: {value:.4g}" for name, value in values.items()) + "}"
