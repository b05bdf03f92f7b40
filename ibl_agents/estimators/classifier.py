"""``IBLClassifier``: an LLM-written code model as a scikit-learn classifier, binary or multiclass.

The LLM sees the labels as they are (``"spam"`` says more than ``1``). The run orders the classes its own
way (``data.task``: binary puts the positive label last, multiclass sorts the labels as text; the run's
manifest lists them), and the code returns probabilities in that order: one number, the positive class's,
for binary; one column per class for multiclass. ``classes_`` is sklearn's sorted order, so
``_output_order`` maps each output column to its index in ``classes_``. A binary ``predict`` thresholds the
probability at 0.5, as the loop's accuracy does; multiclass takes the most probable class.

The task is set from ``y`` (two classes: binary, more: multiclass), not left to ``data.task = "auto"``,
which would read labels such as 0.5/1.5/2.5 as a regression target: sklearn has already decided that
``y`` holds classes (``check_classification_targets``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

from ibl_agents.errors import DataError, IblError
from ibl_agents.estimators.base import IBLEstimator
from ibl_agents.estimators.model_file import CLASSES_KEY


class IBLClassifier(ClassifierMixin, IBLEstimator):
    """Classifier whose model is Python code an LLM wrote and the refinement loop selected.

    After ``fit``: ``classes_``, ``code_`` (the code model's source), ``run_dir_``, ``summary_``
    (``RunSummary``), ``validation_scores_`` / ``test_scores_``, ``provenance_``, ``n_features_in_`` and,
    for DataFrame input, ``feature_names_in_``.
    """

    def _check_target(self, labels: np.ndarray) -> str:
        check_classification_targets(labels)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y holds 1 class ({self.classes_[0]!r}); a classifier needs rows of at least two classes"
            )
        return "binary" if len(self.classes_) == 2 else "multiclass"

    def _learn_output(self, manifest: dict[str, Any]) -> None:
        self._output_order = self._indices(manifest["classes"])  # the run compares labels as text

    def _indices(self, output: list[Any]) -> np.ndarray:
        by_text = {str(label): index for index, label in enumerate(self.classes_)}
        if sorted(str(label) for label in output) != sorted(by_text):
            raise IblError(f"the code model's classes {output} are not the classes {self.classes_.tolist()}")
        return np.asarray([by_text[str(label)] for label in output])

    def _output_header(self) -> dict[str, str]:
        return {CLASSES_KEY: json.dumps(self.classes_[self._output_order].tolist())}

    def _code_output(self) -> tuple[str, tuple[str, ...]]:
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        return task, tuple(str(label) for label in self.classes_[self._output_order])

    @classmethod
    def load(cls, path: str | Path, *, classes: list[Any] | None = None, **params: Any) -> IBLClassifier:
        """A fitted classifier from a best_model.py: ``save``'s, or a run directory's given ``classes`` in
        the order of the code's output (binary: ``[negative, positive]``)."""
        estimator, model_file = cls._from_file(Path(path), params)
        listed = model_file.json_value(CLASSES_KEY)
        output = listed if listed is not None else classes
        if output is None or len(output) < 2 or len({str(label) for label in output}) != len(output):
            raise DataError(
                f"{path} needs two or more distinct classes in the order of the code's output: its header"
                " has no 'classes' line (only save() writes one), so pass classes=[...] (binary:"
                " [negative, positive])"
            )
        estimator.classes_ = np.unique(np.asarray(output))
        estimator._output_order = estimator._indices(output)
        return estimator

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, one column per class of ``classes_``, computed by the code model in the sandbox."""
        columns = self._output_columns(self._predict_scores(X))
        proba = np.empty_like(columns)
        proba[:, self._output_order] = columns
        return proba

    def predict(self, X: Any) -> np.ndarray:
        scores = self._predict_scores(X)
        chosen = (scores >= 0.5).astype(int) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes_[self._output_order[chosen]]

    @staticmethod
    def _output_columns(scores: np.ndarray) -> np.ndarray:
        """The code's output as one column per class, in its own order (binary: negative, positive)."""
        return np.column_stack([1.0 - scores, scores]) if scores.ndim == 1 else scores

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a small LLM's code need not reach sklearn's check scores
        return tags
