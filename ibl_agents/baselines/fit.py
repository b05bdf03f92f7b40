"""Baselines fitted on exactly the rows the LLM saw, so every code model has a yardstick beside it.

Logistic regression is the paper's comparison and the default; k-NN, a linear SVM, a decision tree and
gradient boosting can be named in a config through ``BASELINES``. Train sets are 10-100 rows, so every
setting below is chosen for small data rather than left at the library default, and all five share one
preprocessing so differences come from the learner, not from how the table was encoded.

Per task: binary scores are the positive class's probability; multiclass ones the (n, k) class
probabilities in the dataset's class order (logistic regression is multinomial; the linear SVM's
decision values go through a softmax; a class absent from the train rows gets probability 0). A
regression target fits each name's regressor (``regression_baselines``: logistic regression -> ridge
regression, linear SVM -> linear SVR), keyed by the regressor's own name.

Each baseline is also fitted on every labeled row the loop used (``all_labeled_predictions``, issue 13):
the loop selects code models on the validation labels, so the best code has learned from those rows too,
and a yardstick fitted on the shown rows alone would flatter it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from ibl_agents.baselines.preprocessing import SMALL_DATA_BOOSTING, preprocessing
from ibl_agents.baselines.regressors import REGRESSORS, regressor_name
from ibl_agents.data.dataset import Dataset
from ibl_agents.data.splits import Splits
from ibl_agents.evaluation.metrics import metrics

BaselineFactory = Callable[[int], Pipeline]  # gets the train size; only k-NN needs it today
SPLIT_NAMES = ("validation", "test")
ALL_LABELED = "@all_labeled"  # suffix of a baseline fitted on train + validation rows


def logistic_regression(n_train: int) -> Pipeline:
    """L2 with C=1 on standardized features: the shrinkage keeps 10 rows from separating perfectly."""
    return make_pipeline(preprocessing(), LogisticRegression(max_iter=1000))


def k_nearest_neighbors(n_train: int) -> Pipeline:
    """k = min(5, n_train - 1): never every row (that is the class prior); distance weights so that a small
    k still gives graded scores for AUC instead of a handful of tied vote fractions."""
    k = max(1, min(5, n_train - 1))
    return make_pipeline(preprocessing(), KNeighborsClassifier(n_neighbors=k, weights="distance"))


def linear_svm(n_train: int) -> Pipeline:
    """Linear SVM, C=1. It has no probabilities (Platt scaling would cross-validate inside 10 rows), so
    its score is the sigmoid of the decision function: same ranking (AUC) and same 0.5 threshold
    (accuracy) as the SVM itself, but not calibrated."""
    return make_pipeline(preprocessing(), LinearSVC(C=1.0, max_iter=10_000))


def decision_tree(n_train: int) -> Pipeline:
    """Depth 3 with at least 2 rows per leaf: at most 8 rules, each backed by more than one row, close to
    the short rule lists an LLM writes; a deeper tree memorizes 10-100 rows."""
    return make_pipeline(
        preprocessing(), DecisionTreeClassifier(max_depth=3, min_samples_leaf=2, random_state=0)
    )


def gradient_boosting(n_train: int) -> Pipeline:
    """50 depth-2 trees at rate 0.1, each on a seeded 80 % subsample: the default (100 depth-3 trees on
    every row) fits 10-100 rows exactly; fewer, shallower, subsampled trees keep the ranking smooth."""
    return make_pipeline(
        preprocessing(),
        GradientBoostingClassifier(**SMALL_DATA_BOOSTING),
    )


BASELINES: dict[str, BaselineFactory] = {
    "logistic_regression": logistic_regression,
    "k_nearest_neighbors": k_nearest_neighbors,
    "linear_svm": linear_svm,
    "decision_tree": decision_tree,
    "gradient_boosting": gradient_boosting,
}
DEFAULT_BASELINES = ("logistic_regression",)


def baseline_predictions(
    dataset: Dataset, splits: Splits, names: Sequence[str] = DEFAULT_BASELINES
) -> dict[str, dict[str, np.ndarray]]:
    """Per-row scores of each named baseline: ``{name: {"validation": ..., "test": ...}}`` (binary:
    probabilities in [0, 1]; multiclass: (n, k) class probabilities; regression: numbers, keyed by the
    regressor's name).

    Rows are in the order of ``splits.validation`` and ``splits.test``, so paired comparisons can line
    them up with a code model's predictions. A train set holding a single class (possible only for splits
    built by hand; ``make_splits`` refuses it) gives every baseline a constant score equal to that class:
    nothing can be learned, and the constant scores AUC 0.5 (chance).
    """
    return _fitted(dataset, splits.train, _split_rows(splits), names)


def all_labeled_predictions(
    dataset: Dataset, splits: Splits, names: Sequence[str] = DEFAULT_BASELINES
) -> dict[str, dict[str, np.ndarray]]:
    """Each named baseline fitted on train + validation rows, keyed ``f"{name}@all_labeled"`` (regression:
    the regressor's name): ``{key: {"test": ...}}``. Only the test scores mean anything: the validation
    rows were fitted, so they are not scored and ``baseline_metrics`` gives their split ``{}``."""
    fitted = _fitted(dataset, splits.train + splits.validation, {"test": splits.test}, names)
    return {f"{name}{ALL_LABELED}": scores for name, scores in fitted.items()}


def _fitted(
    dataset: Dataset, fit_rows: list[int], scored: dict[str, list[int]], names: Sequence[str]
) -> dict[str, dict[str, np.ndarray]]:
    """Each named baseline fitted on ``fit_rows``, with its scores on each row set of ``scored``."""
    _require_known(names)
    if dataset.task == "regression":
        return _regressions(dataset, fit_rows, scored, names)
    features, labels = dataset.frame, dataset.y.to_numpy()
    train = labels[fit_rows]
    predictions: dict[str, dict[str, np.ndarray]] = {}
    for name in names:
        if len(set(train.tolist())) < 2:
            predictions[name] = {
                split: _constant(dataset, train[0], len(rows)) for split, rows in scored.items()
            }
            continue
        model = BASELINES[name](len(train))
        model.fit(features.iloc[fit_rows], train)
        score = _positive_scores if dataset.task == "binary" else _class_probabilities(len(dataset.classes))
        predictions[name] = {
            split: score(model, features.iloc[rows]) if rows else np.empty(0)  # no test rows
            for split, rows in scored.items()
        }
    return predictions


def _regressions(
    dataset: Dataset, fit_rows: list[int], scored: dict[str, list[int]], names: Sequence[str]
) -> dict[str, dict[str, np.ndarray]]:
    features, target = dataset.frame, dataset.y.to_numpy(dtype=float)
    predictions: dict[str, dict[str, np.ndarray]] = {}
    for name in map(regressor_name, names):
        model = REGRESSORS[name](len(fit_rows))
        model.fit(features.iloc[fit_rows], target[fit_rows])
        predictions[name] = {
            split: model.predict(features.iloc[rows]) if rows else np.empty(0)
            for split, rows in scored.items()
        }
    return predictions


def baseline_scores(
    dataset: Dataset, splits: Splits, names: Sequence[str] = DEFAULT_BASELINES
) -> dict[str, dict[str, dict[str, float]]]:
    """Fit on the train rows; metrics on pooled validation and on the locked test split, per baseline."""
    return baseline_metrics(dataset, splits, baseline_predictions(dataset, splits, names))


def baseline_metrics(
    dataset: Dataset, splits: Splits, predictions: dict[str, dict[str, np.ndarray]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Metrics of ``baseline_predictions`` output (or of any scores of that shape), for callers that also
    keep the per-row scores. A split without rows, or without scores (the validation rows of an
    ``@all_labeled`` fit, which it was fitted on), gets ``{}``."""
    labels, rows = dataset.y.to_numpy(), _split_rows(splits)
    return {
        name: {
            split: metrics(labels[rows[split]], scores[split], dataset.task)
            if rows[split] and split in scores
            else {}
            for split in SPLIT_NAMES
        }
        for name, scores in predictions.items()
    }


def _split_rows(splits: Splits) -> dict[str, list[int]]:
    return {"validation": splits.validation, "test": splits.test}


def _positive_scores(model: Pipeline, features: pd.DataFrame) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return model.predict_proba(features)[:, 1]
    return 1.0 / (1.0 + np.exp(-model.decision_function(features)))


def _constant(dataset: Dataset, label: int, n: int) -> np.ndarray:
    """The one class a train set held, for every row: its 0/1 label, or its one-hot probabilities."""
    if dataset.task == "multiclass":
        return np.tile(np.eye(len(dataset.classes))[label], (n, 1))
    return np.full(n, float(label))


def _class_probabilities(k: int) -> Callable[[Pipeline, pd.DataFrame], np.ndarray]:
    """Scores of a classifier as (n, k) probabilities in class order, whatever classes it saw."""

    def score(model: Pipeline, features: pd.DataFrame) -> np.ndarray:
        if hasattr(model, "predict_proba"):
            seen = model.predict_proba(features)
        else:
            decision = model.decision_function(features)
            decision = np.c_[-decision, decision] if decision.ndim == 1 else decision
            exp = np.exp(decision - decision.max(axis=1, keepdims=True))
            seen = exp / exp.sum(axis=1, keepdims=True)
        full = np.zeros((len(features), k))
        full[:, model.classes_] = seen
        return full

    return score


def _require_known(names: Sequence[str]) -> None:
    unknown = [name for name in names if name not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; choose from: {', '.join(BASELINES)}")
