"""IBLClassifier inside sklearn's machinery: clone, Pipeline, cross-validation, grid search.

Scripted chat models (the LLM boundary) and the real Docker sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ibl_agents import IBLClassifier
from tests.estimators.support import CENTROID, centroid_models, scripted

pytestmark = pytest.mark.docker

WEAK = "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['x2'].to_numpy()))\n"


def weak_then_centroid():
    """A first reply that ranks poorly, then a good one: only a second iteration finds it."""
    return scripted(WEAK, CENTROID)


@pytest.fixture
def data(signal_frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return signal_frame[["x1", "x2"]], signal_frame["y"]


def _manifests(runs: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(runs.glob("*/manifest.json"))]


def test_clone_of_a_fitted_estimator_is_unfitted_with_the_same_parameters(tmp_path: Path, data) -> None:
    clf = IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(*data)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "code_")
    assert np.array_equal(copy.fit(*data).predict(data[0]), clf.predict(data[0]))


def test_pipeline_feeds_transformed_arrays_to_the_code_model(tmp_path: Path, data) -> None:
    pipeline = make_pipeline(
        StandardScaler(),
        IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs")),
    )
    pipeline.fit(*data)
    fitted = pipeline[-1]
    assert fitted.n_features_in_ == 2 and not hasattr(fitted, "feature_names_in_")  # the scaler gave arrays
    assert _manifests(tmp_path / "runs")[0]["features"] == ["x0", "x1"]
    assert pipeline.score(*data) > 0.85 and pipeline.predict_proba(data[0]).shape == (200, 2)


def test_cross_validation_fits_each_fold_on_its_own_rows_only(tmp_path: Path, data) -> None:
    clf = IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs"))
    result = cross_validate(clf, *data, cv=3, return_estimator=True)
    assert len(result["test_score"]) == 3 and min(result["test_score"]) > 0.8
    manifests = _manifests(tmp_path / "runs")
    assert [m["rows"] for m in manifests] == [133, 133, 134]  # 2/3 of 200 each: the fold's train part only
    assert all(m["splits"]["test"] == [] for m in manifests)  # no second hold-out inside a CV fold
    assert len({estimator.run_dir_ for estimator in result["estimator"]}) == 3


def test_grid_search_picks_the_budget_that_finds_the_better_model(tmp_path: Path, data) -> None:
    search = GridSearchCV(
        IBLClassifier(chat_models=weak_then_centroid, runs_dir=str(tmp_path / "runs")),
        {"max_iters": [1, 2]},
        cv=2,
        scoring="roc_auc",
    )
    search.fit(*data)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"max_iters": 2} and scores[1] > 0.95 > scores[0]
    assert search.best_estimator_.summary_.best_id == "0002"  # refit on every row, the second reply won
    assert len(list((tmp_path / "runs").glob("*/manifest.json"))) == 5  # 2 settings x 2 folds + refit
