"""Statistics of the train rows that the generator prompt hands over as Python constants, per task.

Data strings (the target's name, class labels) appear only in comments, through ``comment_text``, and
column names only as ``repr`` literals: these lines are code in ``best_model.py``.

Small models asked to "use the class averages" tried to compute them inside ``predict`` from a target
column it never receives (observed here, 1.5B model). Handing them over as ready constants removes that
failure and is the cheapest strong hint a model can use. Each constant is one line, so that
``generator.add_missing_constants`` can define those the code uses without copying them.

- binary: ``MIDPOINT`` (halfway between the two class means of each numeric feature), ``SEPARATION`` (the
  class-mean difference in units of ``SPREAD``: its sign says which way a column points, its size how
  strongly it separates) and ``SPREAD`` (the standard deviation over all train rows). Handed the two class
  means instead, the 1.5B model centred terms on either mean and picked signs at random: 4 of 18 final
  moons models ranked backwards and most others had one term backwards (issue 7). Stating direction and
  strength makes the natural term, ``SEPARATION[c] * (df[c] - MIDPOINT[c]) / SPREAD[c]``, right by
  construction; which columns and rules to use stays the model's choice;
- multiclass: ``CLASSES`` (the column order predict returns), ``MEAN_BY_CLASS`` (class -> feature means),
  ``SPREAD``;
- regression: ``TARGET_MEAN``, ``TARGET_SPREAD`` (of the target), ``MEAN``, ``SPREAD`` (of the features),
  ``CORRELATION`` (of each feature with the target: the sign and strength of a linear term).

``stated_statistics`` lists the per-column numbers those constants state, for ``shown_rows``: a code model
that writes them back uses the prompt rather than copying rows. The ``*_summaries`` functions compute the
numbers once, for the prompt's text and for the harness-only models (``harness_only``) that apply them
with no LLM.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibl_agents.code_text import comment_text

NO_NUMERIC = "(no numeric features)"
# Every name the constants of any task define: code that copies them names every column in their keys.
STATED_CONSTANTS = (
    *("MIDPOINT", "SEPARATION", "SPREAD"),
    *("CLASSES", "MEAN_BY_CLASS"),
    *("TARGET_MEAN", "TARGET_SPREAD", "MEAN", "CORRELATION"),
)


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
    """Midpoint, signed separation and spread of numeric features; ``labels`` is (positive, negative)."""
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return NO_NUMERIC
    target, positive, negative = comment_text(target), comment_text(labels[0]), comment_text(labels[1])
    midpoint, separation, spread = binary_summaries(numeric, y)
    return "\n".join(
        [
            f"MIDPOINT = {_mapping(midpoint)}  # halfway between the averages of rows with {target} = "
            f"{positive} and with {target} = {negative}",
            f"SEPARATION = {_mapping(separation)}  # (average when {target} = {positive} minus average "
            f"when {negative}) / SPREAD: > 0 means larger values go with {positive}; larger size = stronger",
            f"SPREAD = {_mapping(spread)}  # standard deviation over all training rows (1 if constant)",
        ]
    )


def separations(frame: pd.DataFrame, y: pd.Series) -> pd.Series:
    """``SEPARATION`` of the binary prompt per numeric column of ``frame`` (``y``: 1 = positive class)."""
    return binary_summaries(frame.select_dtypes(include="number"), y)[1]


def binary_summaries(numeric: pd.DataFrame, y: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(midpoint, separation, spread) per numeric column; a constant column separates nothing."""
    is_positive = y.to_numpy() == 1
    means_1, means_0 = numeric[is_positive].mean(), numeric[~is_positive].mean()
    spread = numeric.std().where(lambda values: values > 0, 1.0)  # 1, not 0: terms may divide by it
    separation = ((means_1 - means_0) / spread).fillna(0.0)
    return ((means_1 + means_0) / 2).fillna(0.0), separation, spread


def multiclass_constants(frame: pd.DataFrame, y: pd.Series, target: str, classes: tuple[str, ...]) -> str:
    lines = [f"CLASSES = {list(classes)!r}  # the column order of what predict returns"]
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return "\n".join([*lines, NO_NUMERIC])
    means, spread = multiclass_summaries(numeric, y, len(classes))
    target = comment_text(target)
    by_class = ", ".join(f"{name!r}: {_mapping(means.iloc[index])}" for index, name in enumerate(classes))
    return "\n".join(
        [
            *lines,
            f"MEAN_BY_CLASS = {{{by_class}}}  # feature averages of the training rows of each {target} class",
            f"SPREAD = {_mapping(spread)}  # standard deviation over all training rows",
        ]
    )


def multiclass_summaries(
    numeric: pd.DataFrame, y: pd.Series, n_classes: int
) -> tuple[pd.DataFrame, pd.Series]:
    """(``MEAN_BY_CLASS``, one row per class index, and ``SPREAD``); a class absent from ``y``: NaN means."""
    labels = y.to_numpy()
    means = pd.DataFrame(
        [numeric[labels == index].mean() for index in range(n_classes)], columns=numeric.columns
    )
    return means, numeric.std()


def regression_constants(frame: pd.DataFrame, y: pd.Series, target: str) -> str:
    numeric = frame.select_dtypes(include="number")
    target_mean, target_spread, mean, spread, correlation = regression_summaries(numeric, y)
    target = comment_text(target)
    lines = [
        f"TARGET_MEAN = {target_mean:.4g}  # average {target} of the training rows",
        f"TARGET_SPREAD = {target_spread:.4g}  # standard deviation of {target} over the training rows",
    ]
    if numeric.empty:
        return "\n".join([*lines, NO_NUMERIC])
    return "\n".join(
        [
            *lines,
            f"MEAN = {_mapping(mean)}  # feature averages over all training rows",
            f"SPREAD = {_mapping(spread)}  # standard deviation over all training rows",
            f"CORRELATION = {_mapping(correlation)}  # of each feature with {target}, -1 .. 1",
        ]
    )


def regression_summaries(
    numeric: pd.DataFrame, y: pd.Series
) -> tuple[float, float, pd.Series, pd.Series, pd.Series]:
    """(``TARGET_MEAN``, ``TARGET_SPREAD``, ``MEAN``, ``SPREAD``, ``CORRELATION``) of the train rows."""
    return float(y.mean()), float(y.std()), numeric.mean(), numeric.std(), _correlations(numeric, y)


def stated_statistics(frame: pd.DataFrame, y: pd.Series, task: str) -> list[pd.Series]:
    """The per-column numbers the task's constants state about ``frame`` (one Series per constant)."""
    numeric = frame.select_dtypes(include="number")
    labels = y.to_numpy()
    if task == "regression":
        return [numeric.std(), numeric.mean()]
    if task == "multiclass":
        return [numeric.std(), *(numeric[labels == index].mean() for index in np.unique(labels))]
    return list(binary_summaries(numeric, y))


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
