"""IBLRegressor (``data.task = "regression"``) on scripted chat models and the real Docker sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score

from ibl_agents import IBLClassifier, IBLRegressor
from ibl_agents.errors import CodeModelError, DataError
from sandbox.results import OutcomeKind
from tests.estimators.support import competent_models, scripted

# Fine on every row fit shows it; NaN for the values far outside them.
NAN_FAR_OUT = (
    "import numpy as np\n\ndef predict(df):\n    return np.where(df['area'] > 1000, np.nan, 3 * df['area'])\n"
)


def nan_far_out():
    return scripted(NAN_FAR_OUT)


@pytest.fixture
def houses() -> tuple[pd.DataFrame, pd.Series]:
    """120 rows: price is 3 x area plus noise; age is noise."""
    rng = np.random.default_rng(5)
    area = rng.uniform(20, 200, size=120).round(1)
    X = pd.DataFrame({"area": area, "age": rng.integers(0, 80, size=120)})
    return X, pd.Series((3 * area + rng.normal(scale=10, size=120)).round(2), name="price")


@pytest.mark.docker
def test_fit_predict_score_save_load(tmp_path: Path, houses) -> None:
    X, y = houses
    reg = IBLRegressor(chat_models=competent_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    manifest = json.loads((Path(reg.run_dir_) / "manifest.json").read_text())
    assert (
        manifest["task"] == "regression"
        and manifest["target"] == "price"
        and manifest["splits"]["test"] == []
    )
    assert set(reg.validation_scores_) == {"r2", "rmse", "mae"} and reg.validation_scores_["r2"] > 0.9
    predicted = reg.predict(X)
    assert predicted.shape == (120,) and reg.score(X, y) > 0.9
    path = reg.save(tmp_path / "best_model.py")
    assert "it returns one number per row." in path.read_text()
    loaded = IBLRegressor.load(path)
    assert np.allclose(loaded.predict(X), predicted) and list(loaded.feature_names_in_) == ["area", "age"]
    with pytest.raises(DataError, match="was saved by IBLRegressor; load it with IBLRegressor"):
        IBLClassifier.load(path)


@pytest.mark.docker
def test_cross_validation(tmp_path: Path, houses) -> None:
    reg = IBLRegressor(chat_models=competent_models, max_iters=1, runs_dir=str(tmp_path / "runs"))
    scores = cross_val_score(reg, *houses, cv=3)
    assert len(scores) == 3 and scores.min() > 0.9


@pytest.mark.docker
def test_nan_at_predict_time_raises_invalid_output(tmp_path: Path, houses) -> None:
    X, y = houses
    reg = IBLRegressor(chat_models=nan_far_out, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    with pytest.raises(
        CodeModelError, match=r"^invalid_output: .*returned 1 NaN or infinite value"
    ) as caught:
        reg.predict(X.head(2).assign(area=[50.0, 5000.0]))
    assert caught.value.kind is OutcomeKind.INVALID_OUTPUT


def test_a_constant_target_is_refused_before_any_work(tmp_path: Path) -> None:
    reg = IBLRegressor(runs_dir=str(tmp_path / "runs"))
    with pytest.raises(ValueError, match=r"y holds a single value \(7\) in 10 sample\(s\)"):
        reg.fit(np.arange(20.0).reshape(10, 2), np.full(10, 7.0))
    assert not (tmp_path / "runs").exists()
