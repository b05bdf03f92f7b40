"""sklearn's ``X`` and ``y`` as the DataFrames a code model reads, with sklearn's own input checks.

``validate_data`` runs first, so wrong shapes, sparse matrices, complex numbers, empty input and
feature-name mismatches fail with the messages sklearn users know. The frame keeps a DataFrame's columns
and dtypes (the code model reads columns by name and may use text categories); an array's columns are
named ``x0 .. x{n-1}``, and so are a DataFrame's whose names are not all strings (sklearn then records no
``feature_names_in_`` either).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

TARGET_NAME = "target"  # the label column's name when ``y`` is not a named Series


def generated_names(n_features: int) -> list[str]:
    return [f"x{i}" for i in range(n_features)]


def fitted_columns(estimator: BaseEstimator) -> list[str]:
    """The column names the code model was written for (set by ``fit`` or ``load``)."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return generated_names(estimator.n_features_in_)


def feature_frame(estimator: BaseEstimator, X: object) -> pd.DataFrame:
    """``X`` at predict time: checked against the fitted features, as a frame with the fitted columns."""
    checked = validate_data(estimator, X, reset=False, dtype=None, ensure_all_finite="allow-nan")
    return _as_frame(X, checked, fitted_columns(estimator))


def labeled_frame(
    estimator: BaseEstimator, X: object, y: object, *, y_numeric: bool
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """``X`` and ``y`` at fit time: the table refine() reads (features + label column), ``y``, its name.

    Sets ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame with string column names).
    """
    checked, labels = validate_data(
        estimator, X, y, dtype=None, ensure_all_finite="allow-nan", y_numeric=y_numeric
    )
    frame = _as_frame(X, checked, fitted_columns(estimator))
    name = _target_name(y, list(frame.columns))
    return frame.assign(**{name: labels}), labels, name


def _as_frame(X: object, checked: np.ndarray, columns: list[str]) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.set_axis(columns, axis=1).reset_index(drop=True)
    return pd.DataFrame(checked, columns=columns).infer_objects()


def _target_name(y: object, features: list[str]) -> str:
    """The label column's name as the LLM reads it: a named Series keeps its name ("survived" says more
    than "target"); underscores are appended until it differs from every feature."""
    name = str(y.name) if isinstance(y, pd.Series) and y.name is not None else TARGET_NAME
    while name in features:
        name += "_"
    return name
