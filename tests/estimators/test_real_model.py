"""IBLClassifier on real parts: the bundled 1.5B model over real HTTP, the real Docker sandbox.

Asserts a fitted, saved and reloaded estimator whose predictions come from the sandbox, not a metric
threshold: the small model is here to prove the path works, not to be good.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibl_agents import IBLClassifier
from tests.reference import SPLITS

pytestmark = [pytest.mark.docker, pytest.mark.llm]


def test_fit_predict_save_load_with_the_local_model(tmp_path: Path, sandbox_image: str) -> None:
    train = pd.read_csv(SPLITS / "moon_3656_300_train.csv")
    test = pd.read_csv(SPLITS / "moon_3656_300_test.csv")
    clf = IBLClassifier(
        "local:qwen2.5-coder-1.5b",  # the 0.5B wrote no valid model in 4 tries (tests/cli/test_real_run.py)
        max_iters=4,
        patience=4,
        train_rows=20,
        cache=False,  # the real model must answer, not replies stored by an earlier run
        runs_dir=str(tmp_path / "runs"),
    )
    clf.fit(train.drop(columns="target"), train["target"])
    assert clf.summary_.tokens_used > 0 and clf.summary_.replayed_replies == 0
    assert "def predict" in clf.code_ and set(clf.validation_scores_) == {"auc", "accuracy"}
    X_test, y_test = test.drop(columns="target"), test["target"]
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(test), 2) and np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert 0.0 <= clf.score(X_test, y_test) <= 1.0
    loaded = IBLClassifier.load(clf.save(tmp_path / "best_model.py"))
    assert np.array_equal(loaded.predict(X_test), clf.predict(X_test))
