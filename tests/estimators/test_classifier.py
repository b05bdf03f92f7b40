"""IBLClassifier on scripted chat models and the real Docker sandbox: fit, predict, failures, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import numpy as np
import pandas as pd
import pytest

from ibl_agents import IBLClassifier
from ibl_agents.errors import CodeModelError, NoValidModelError
from sandbox.results import OutcomeKind
from tests.estimators.support import centroid_models, competent_models, scripted
from tests.sandbox.support import our_containers

pytestmark = pytest.mark.docker

BROKEN = "def predict(df):\n    return df['nope']\n"
# Fine on every row fit shows it; fails on values far outside them, as code fitted to a range can.
RANGE_BOUND = (
    "import numpy as np\n\ndef predict(df):\n"
    "    if (df['x1'].abs() > 1000).any():\n        raise ValueError('x1 out of the range I know')\n"
    "    return np.where(df['x1'] > 0, 0.9, 0.1)\n"
)
UNBOUNDED = (
    "import numpy as np\n\ndef predict(df):\n"
    "    return np.where(df['x1'].abs() > 1000, 2.0, np.where(df['x1'] > 0, 0.9, 0.1))\n"
)


def only_broken():
    return scripted(BROKEN)


def range_bound():
    return scripted(RANGE_BOUND)


def unbounded():
    return scripted(UNBOUNDED)


@pytest.fixture
def frame(signal_frame: pd.DataFrame) -> pd.DataFrame:
    """signal_frame with text labels: x1 > 0 means "yes"."""
    return signal_frame.assign(y=np.where(signal_frame["y"] == 1, "yes", "no"))


def test_fit_uses_every_row_and_predicts_in_the_sandbox(
    tmp_path: Path, frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    X, y = frame.drop(columns="y"), frame["y"].rename("bought")
    clf = IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    assert capsys.readouterr().out == ""  # verbose=0
    assert list(clf.classes_) == ["no", "yes"] and list(clf.feature_names_in_) == ["x1", "x2", "row_code"]
    assert "def predict(df)" in clf.code_ and clf.summary_.ok and clf.validation_scores_["auc"] > 0.9
    run_dir = Path(clf.run_dir_)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    splits = manifest["splits"]
    assert splits["test"] == [] and clf.test_scores_ == {}  # no hidden hold-out: sklearn's CV holds rows out
    assert sorted(splits["train"] + [i for fold in splits["folds"] for i in fold]) == list(range(200))
    assert manifest["target"] == "bought"
    assert (
        "predict the column `bought`: 1 means bought == yes"
        in (run_dir / "candidates/0001.prompt.txt").read_text()
    )

    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(X)
    assert set(predicted) <= {"no", "yes"} and (predicted == np.where(proba[:, 1] >= 0.5, "yes", "no")).all()
    assert clf.score(X, y) == np.mean(predicted == y.to_numpy()) > 0.85
    assert not our_containers(docker.from_env())  # predict opened and closed its own sandbox


def test_the_code_may_score_the_first_class_of_classes_(tmp_path: Path, signal_frame: pd.DataFrame) -> None:
    """Labels 2 and 10: the run's positive label is "2" (later as text), sklearn's classes_ are [2, 10]."""
    X, y = signal_frame[["x1", "x2"]].to_numpy(), np.where(signal_frame["y"] == 1, 10, 2)
    clf = IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    assert json.loads((Path(clf.run_dir_) / "manifest.json").read_text())["positive_label"] == "2"
    assert list(clf.classes_) == [2, 10]
    proba = clf.predict_proba(X)
    assert proba[y == 10, 1].mean() > 0.6 and proba[y == 2, 0].mean() > 0.6  # swapped columns: < 0.4
    assert clf.score(X, y) > 0.85


def test_fit_without_any_valid_candidate_says_what_failed(tmp_path: Path, frame: pd.DataFrame) -> None:
    clf = IBLClassifier(chat_models=only_broken, max_iters=2, runs_dir=str(tmp_path / "runs"))
    with pytest.raises(
        NoValidModelError, match=r"no valid code model after 2 iteration\(s\): runtime_error x2;"
    ):
        clf.fit(frame.drop(columns="y"), frame["y"])
    assert not hasattr(clf, "code_")


@pytest.mark.parametrize(
    ("factory", "kind", "message"),
    [
        (
            range_bound,
            OutcomeKind.RUNTIME_ERROR,
            "the code model failed on these rows: .*x1 out of the range",
        ),
        (
            unbounded,
            OutcomeKind.INVALID_OUTPUT,
            r"the code model's output is unusable: returned values from 0\.1 to 2; probabilities must lie in",
        ),
    ],
)
def test_a_model_that_fails_at_predict_time_raises_with_its_outcome(
    tmp_path: Path, frame: pd.DataFrame, factory, kind: OutcomeKind, message: str
) -> None:
    X = frame.drop(columns="y")
    clf = IBLClassifier(chat_models=factory, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, frame["y"])
    assert clf.predict(X.head(3)).shape == (3,)
    with pytest.raises(CodeModelError, match=f"^{kind.value}: {message}") as caught:
        clf.predict(X.head(3).assign(x1=[1e6, 0.0, 1.0]))
    assert caught.value.kind is kind


def test_save_then_load_predicts_the_same_without_fitting(tmp_path: Path, frame: pd.DataFrame) -> None:
    X, y = frame.drop(columns="y"), frame["y"]
    clf = IBLClassifier(chat_models=centroid_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    path = clf.save(tmp_path / "best_model.py")
    header = path.read_text().split('"""')[1]
    assert 'classes: ["no", "yes"]' in header and "estimator: IBLClassifier" in header
    assert f"run: {clf.run_dir_}" in header  # the run's provenance is kept
    assert "locked test: none (no test rows" in header and "nan" not in header  # estimators hold none out
    loaded = IBLClassifier.load(path)
    assert loaded.code_ == clf.code_ and list(loaded.classes_) == ["no", "yes"]
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.save(tmp_path / "again.py").read_text() == path.read_text()
    # The run directory's own best_model.py, once told the class order, predicts the same.
    from_run = IBLClassifier.load(Path(clf.run_dir_) / "best_model.py", classes=["no", "yes"])
    assert np.array_equal(from_run.predict(X), clf.predict(X))


def test_a_locked_test_split_on_request(tmp_path: Path, frame: pd.DataFrame) -> None:
    clf = IBLClassifier(
        chat_models=centroid_models, max_iters=1, test_fraction=0.2, runs_dir=str(tmp_path / "runs")
    ).fit(frame.drop(columns="y"), frame["y"])
    assert len(json.loads((Path(clf.run_dir_) / "manifest.json").read_text())["splits"]["test"]) == 40
    assert clf.test_scores_["auc"] > 0.9 and set(clf.test_scores_) == {"auc", "accuracy"}


@pytest.fixture
def three_classes() -> tuple[pd.DataFrame, np.ndarray]:
    """150 rows, classes 2, 10 and 30 around three centres: as text, "10" < "2" < "30"."""
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    labels = np.repeat([2, 10, 30], 50)
    points = centres[np.repeat([0, 1, 2], 50)] + rng.normal(scale=0.8, size=(150, 2))
    return pd.DataFrame(points.round(4), columns=["u", "v"]), labels


def test_multiclass_probabilities_follow_classes_(tmp_path: Path, three_classes) -> None:
    X, y = three_classes
    clf = IBLClassifier(chat_models=competent_models, max_iters=1, runs_dir=str(tmp_path / "runs")).fit(X, y)
    manifest = json.loads((Path(clf.run_dir_) / "manifest.json").read_text())
    assert manifest["task"] == "multiclass" and manifest["classes"] == ["10", "2", "30"]  # the code's order
    assert list(clf.classes_) == [2, 10, 30] and set(clf.validation_scores_) == {
        "macro_f1",
        "accuracy",
        "log_loss",
    }
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1.0)
    for j, label in enumerate(clf.classes_):  # column j is the probability of classes_[j]
        assert proba[y == label, j].mean() > 0.6  # a misplaced column: < 0.2
    assert clf.score(X, y) > 0.9 and (clf.predict(X) == clf.classes_[proba.argmax(axis=1)]).all()
    loaded = IBLClassifier.load(clf.save(tmp_path / "best_model.py"))
    assert "classes: [10, 2, 30]" in (tmp_path / "best_model.py").read_text()
    assert np.array_equal(loaded.predict_proba(X), proba)
