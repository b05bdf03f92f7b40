"""scikit-learn's own estimator checks (``sklearn.utils.estimator_checks``) on the real Docker sandbox.

The chat model is the scripted nearest-centroid writer of ``support``: every check's fit runs one
refinement iteration (prompt, extraction, contract, sandbox, host scoring) and every predict a sandbox
run. All checks apply; none is expected to fail. The tags say what differs from a numeric learner:
NaN and text inputs reach the code model as they are, the class is binary-only until the task work adds
multiclass, and scores need not reach the checks' thresholds (``poor_score``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from ibl_agents import IBLClassifier
from tests.estimators.support import centroid_models

pytestmark = pytest.mark.docker


@pytest.fixture(autouse=True)
def runs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimators write run directories under the relative ``runs/``: keep them in tmp_path."""
    monkeypatch.chdir(tmp_path)


@parametrize_with_checks([IBLClassifier(chat_models=centroid_models, max_iters=1)])
def test_sklearn_estimator_checks(estimator: IBLClassifier, check) -> None:
    check(estimator)
