"""``IBLClassifier``: an LLM-written code model as a scikit-learn classifier.

The LLM sees the labels as they are (``"spam"`` says more than ``1``); the run decides which one its code
scores (the dataset's positive label, recorded in the run's manifest), and ``classes_`` is sklearn's
sorted order, so ``_output_order`` maps the code's output onto ``classes_``. ``predict`` thresholds the
probability at 0.5, as the loop's accuracy does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ibl_agents.errors import DataError, IblError
from ibl_agents.estimators.base import IBLEstimator
from ibl_agents.estimators.model_file import CLASSES_KEY


class IBLClassifier(ClassifierMixin, IBLEstimator):
    """Binary classifier whose model is Python code an LLM wrote and the refinement loop selected.

    After ``fit``: ``classes_``, ``code_`` (the code model's source), ``run_dir_``, ``summary_``
    (``RunSummary``), ``validation_scores_`` / ``test_scores_`` (auc, accuracy), ``provenance_``,
    ``n_features_in_`` and, for DataFrame input, ``feature_names_in_``.
    """

    def _check_target(self, labels: np.ndarray) -> None:
        check_classification_targets(labels)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y holds 1 class ({self.classes_[0]!r}); a classifier needs rows of at least two classes"
            )
        kind = type_of_target(labels)
        if kind != "binary":  # sklearn's wording, which its estimator checks expect
            raise ValueError(f"Only binary classification is supported. The type of the target is {kind}.")

    def _learn_output(self, manifest: dict[str, Any]) -> None:
        positive = manifest["positive_label"]  # the run compares labels as strings
        matches = [i for i, label in enumerate(self.classes_) if str(label) == positive]
        if len(matches) != 1:
            raise IblError(f"the run's positive label {positive!r} is not one of the classes {self.classes_}")
        self._output_order = np.asarray([1 - matches[0], matches[0]])

    def _output_header(self) -> dict[str, str]:
        return {CLASSES_KEY: json.dumps(self.classes_[self._output_order].tolist())}

    @classmethod
    def load(cls, path: str | Path, *, classes: list[Any] | None = None, **params: Any) -> IBLClassifier:
        """A fitted classifier from a best_model.py (``save``'s, or a run directory's with ``classes``:
        ``[negative, positive]``, the code returning the probability of the positive one)."""
        estimator, model_file = cls._from_file(Path(path), params)
        listed = model_file.json_value(CLASSES_KEY)
        output = listed if listed is not None else classes
        if output is None or len(output) != 2 or output[0] == output[1]:
            raise DataError(
                f"{path} needs two distinct classes in the order of the code's output: its header has no"
                f" 'classes' line (only save() writes one), so pass classes=[negative, positive]"
            )
        estimator.classes_ = np.unique(np.asarray(output))
        estimator._output_order = np.searchsorted(estimator.classes_, np.asarray(output))
        return estimator

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, one column per class of ``classes_``, computed by the code model in the sandbox."""
        positive = self._predict_scores(X)
        proba = np.empty((len(positive), 2))
        proba[:, self._output_order[0]] = 1.0 - positive
        proba[:, self._output_order[1]] = positive
        return proba

    def predict(self, X: Any) -> np.ndarray:
        positive = self._predict_scores(X)
        return self.classes_[self._output_order[(positive >= 0.5).astype(int)]]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # binary until DataConfig.task brings multiclass
        tags.classifier_tags.poor_score = True  # a small LLM's code need not reach sklearn's check scores
        return tags
