"""What both estimators share: ``fit`` through ``refine()``, sandboxed prediction, save/load (the
parameters are in ``params``).

sklearn conventions: ``__init__`` stores its arguments unchanged and does nothing else; ``fit`` validates
them (``RefineConfig.validate``) and sets the attributes ending in ``_``; ``predict`` opens a sandbox per
call (``prediction``), so a fitted estimator holds only plain values and needs no ``close()``.

No locked test split by default (``test_fraction=0``): every row of ``X`` is a train row (shown to the
LLM) or a validation row (accepts candidates and stops the loop), because sklearn's own
``cross_val_score`` / ``GridSearchCV`` / ``train_test_split`` already hold out the rows a user scores on;
a second, hidden hold-out would silently fit on fewer rows. ``test_fraction=0.2`` restores the CLI's
locked test split and fills ``test_scores_``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from rich.console import Console
from sklearn.utils.validation import check_is_fitted

from ibl_agents.config import RefineConfig
from ibl_agents.data.target import prediction_meaning
from ibl_agents.errors import NoValidModelError
from ibl_agents.estimators.inputs import feature_frame, fitted_columns, generated_names, labeled_frame
from ibl_agents.estimators.model_file import (
    COLUMNS_KEY,
    ESTIMATOR_KEY,
    ModelFile,
    load_model_file,
    read_model_file,
    write_model_file,
)
from ibl_agents.estimators.params import EstimatorParams, refine_config
from ibl_agents.estimators.prediction import predict_in_sandbox
from ibl_agents.loop.artifacts import read_json
from ibl_agents.run.progress import LiveProgress
from ibl_agents.run.refine import RunSummary, refine


class IBLEstimator(EstimatorParams):
    """Base of ``IBLClassifier`` and ``IBLRegressor``; see the README's scikit-learn section."""

    _y_numeric = False  # the regressor asks sklearn to convert y to numbers

    def fit(self, X: Any, y: Any) -> Self:
        """Run the refinement loop on ``X``/``y``; raises ``NoValidModelError`` if no candidate was valid."""
        config = refine_config(self.get_params(), type(self).__name__)
        frame, labels, target = labeled_frame(self, X, y, y_numeric=self._y_numeric)
        config.data.target, config.data.task = target, self._check_target(labels)
        summary = self._refine(config, frame)
        if not summary.ok or summary.best_code is None:
            raise NoValidModelError(_no_model_message(summary), summary)
        run_dir = Path(summary.run_dir)
        self.summary_: RunSummary | None = summary
        self.run_dir_: str | None = summary.run_dir
        self.code_ = summary.best_code
        self.validation_scores_ = dict(summary.validation)
        self.test_scores_ = dict(summary.test)
        self.provenance_ = read_model_file(run_dir / "best_model.py").header
        self._learn_output(read_json(run_dir / "manifest.json"))
        return self

    def save(self, path: str | Path) -> Path:
        """Write the code model as a standalone best_model.py that ``load`` (and ``import``) can read."""
        check_is_fitted(self, "code_")
        header = {
            **self.provenance_,
            ESTIMATOR_KEY: type(self).__name__,
            COLUMNS_KEY: json.dumps(fitted_columns(self)),
            **self._output_header(),
        }
        task, classes = self._code_output()
        return write_model_file(Path(path), self.code_, header, prediction_meaning(task, classes))

    @classmethod
    def _from_file(cls, path: Path, params: dict[str, Any]) -> tuple[Self, ModelFile]:
        """A fitted estimator from a checked model file; ``params`` as in ``__init__`` (``predict`` uses
        the sandbox settings)."""
        model_file = load_model_file(path, cls.__name__)
        columns = model_file.columns() or []
        estimator = cls(**params)
        estimator.code_, estimator.provenance_ = model_file.code, model_file.header
        estimator.summary_, estimator.run_dir_ = None, None
        estimator.validation_scores_, estimator.test_scores_ = {}, {}
        estimator.n_features_in_ = len(columns)
        if columns != generated_names(len(columns)):
            estimator.feature_names_in_ = np.asarray(columns, dtype=object)
        return estimator, model_file

    def _predict_scores(self, X: Any) -> np.ndarray:
        """The code model's output on ``X``, computed in a fresh sandbox."""
        check_is_fitted(self, "code_")
        frame = feature_frame(self, X)
        box = refine_config(self.get_params(), type(self).__name__).sandbox
        return predict_in_sandbox(self.code_, frame, box, *self._code_output())

    def _refine(self, config: RefineConfig, frame: pd.DataFrame) -> RunSummary:
        models = self.chat_models() if self.chat_models is not None else None
        terminal = Console(stderr=True, emoji=False)
        progress = LiveProgress(terminal, config.loop.metric) if self.verbose else None
        return refine(
            config, frame=frame, models=models, on_event=progress, log=print if self.verbose else _quiet
        )

    def _check_target(self, labels: np.ndarray) -> str:
        """Task-specific checks of ``y`` before any model call; returns the run's ``data.task`` (the
        classifier also sets ``classes_``)."""
        raise NotImplementedError

    def _code_output(self) -> tuple[str, tuple[str, ...]]:
        """The task the code was written for and, for multiclass, its output columns."""
        raise NotImplementedError

    def _learn_output(self, manifest: dict[str, Any]) -> None:
        """Task-specific: what the code's output means, from the run's manifest."""

    def _output_header(self) -> dict[str, str]:
        """Task-specific header lines ``load`` needs."""
        return {}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the contract asks code models to handle missing values
        tags.input_tags.string = True  # text categories reach the code model as they are
        tags.non_deterministic = not self.cache and self.temperature > 0  # cached replies replay exactly
        return tags


def _quiet(line: str) -> None:
    """verbose=0: the local model server's start-up lines are not printed."""


def _no_model_message(summary: RunSummary) -> str:
    kinds = Counter(c["kind"] for c in summary.candidates)
    outcomes = ", ".join(f"{kind} x{n}" for kind, n in kinds.most_common()) or "no candidate"
    detail = f" ({summary.stop_detail})" if summary.stop_detail else ""
    return (
        f"no valid code model after {summary.iterations} iteration(s): {outcomes};"
        f" stop: {summary.stop_reason}{detail}. Candidates and feedback are in {summary.run_dir};"
        " raise max_iters or try another model"
    )
