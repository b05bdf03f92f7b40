"""X and y as the frames a code model reads, and the package staying cheap to import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ibl_agents import IBLClassifier
from ibl_agents.estimators.inputs import feature_frame, labeled_frame


def test_an_array_gets_generated_column_names() -> None:
    estimator = IBLClassifier()
    frame, labels, target = labeled_frame(estimator, np.arange(6.0).reshape(3, 2), [0, 1, 0], y_numeric=False)
    assert list(frame.columns) == ["x0", "x1", "target"] and target == "target"
    assert estimator.n_features_in_ == 2 and not hasattr(estimator, "feature_names_in_")
    assert labels.tolist() == [0, 1, 0]


def test_a_dataframe_keeps_names_dtypes_and_text() -> None:
    estimator = IBLClassifier()
    X = pd.DataFrame({"age": [30, 40, 50], "city": ["Oslo", None, "Rome"]}, index=[7, 8, 9])
    y = pd.Series(["no", "yes", "no"], name="bought", index=[1, 2, 3])
    frame, _, target = labeled_frame(estimator, X, y, y_numeric=False)
    assert target == "bought" and frame["bought"].tolist() == ["no", "yes", "no"]  # y's index is ignored
    assert frame["age"].dtype == np.int64 and frame["city"].isna().tolist() == [False, True, False]
    assert list(estimator.feature_names_in_) == ["age", "city"] and list(frame.index) == [0, 1, 2]


def test_the_label_name_never_shadows_a_feature() -> None:
    X = pd.DataFrame({"target": [1.0, 2.0], "target_": [3.0, 4.0]})
    frame, _, target = labeled_frame(IBLClassifier(), X, [0, 1], y_numeric=False)
    assert target == "target__" and list(frame.columns) == ["target", "target_", "target__"]


def test_predict_input_is_checked_against_the_fitted_features() -> None:
    named, unnamed = IBLClassifier(), IBLClassifier()
    labeled_frame(named, pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), [0, 1], y_numeric=False)
    assert list(feature_frame(named, pd.DataFrame({"a": [5.0], "b": [6.0]})).columns) == ["a", "b"]
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        feature_frame(named, pd.DataFrame({"a": [5.0], "c": [6.0]}))
    labeled_frame(unnamed, np.zeros((2, 2)), [0, 1], y_numeric=False)
    assert list(feature_frame(unnamed, np.ones((1, 2))).columns) == ["x0", "x1"]
    with pytest.raises(ValueError, match="X has 3 features, but IBLClassifier is expecting 2 features"):
        feature_frame(unnamed, np.zeros((1, 3)))


def test_importing_the_package_does_not_import_the_estimators() -> None:
    code = "import sys, ibl_agents; print('ibl_agents.estimators' in sys.modules, ibl_agents.IBLClassifier)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.startswith("False <class 'ibl_agents.estimators.classifier.IBLClassifier'>")
