"""``IBLRegressor``: an LLM-written code model as a scikit-learn regressor (``data.task = "regression"``).

The code model returns one finite number per row; ``score`` is R² (``RegressorMixin``) and the loop selects
candidates by the regression task's default metric (R²) unless ``metric`` names another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

from ibl_agents.estimators.base import IBLEstimator


class IBLRegressor(RegressorMixin, IBLEstimator):
    """Regressor whose model is Python code an LLM wrote and the refinement loop selected.

    After ``fit``: ``code_``, ``run_dir_``, ``summary_`` (``RunSummary``), ``validation_scores_`` /
    ``test_scores_`` (r2, rmse, mae), ``provenance_``, ``n_features_in_`` and, for DataFrame input,
    ``feature_names_in_``.
    """

    _y_numeric = True

    def _check_target(self, labels: np.ndarray) -> str:
        distinct = np.unique(labels)
        if len(distinct) < 2:
            raise ValueError(
                f"y holds a single value ({distinct[0]:g}) in {len(labels)} sample(s); a regressor needs rows"
                " with at least two different values"
            )
        return "regression"

    def _code_output(self) -> tuple[str, tuple[str, ...]]:
        return "regression", ()

    @classmethod
    def load(cls, path: str | Path, **params: Any) -> IBLRegressor:
        """A fitted regressor from a best_model.py written by ``save`` or by a regression run."""
        return cls._from_file(Path(path), params)[0]

    def predict(self, X: Any) -> np.ndarray:
        """One number per row, computed by the code model in the sandbox."""
        return self._predict_scores(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a small LLM's code need not reach sklearn's check scores
        return tags
