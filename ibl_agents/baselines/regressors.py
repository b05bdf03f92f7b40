"""The regression baselines: for a numeric target each baseline name fits its regressor counterpart.

The config names the five learners as for classification (``config.BASELINE_NAMES``); for a regression
target ``logistic_regression`` fits ridge regression and ``linear_svm`` a linear SVR, while k-NN, the
decision tree and gradient boosting fit their regressor forms with the same small-data settings as the
classifiers (``baselines``). Results are keyed by the regressor's name, so a table never calls a ridge
regression "logistic regression".
"""

from __future__ import annotations

from collections.abc import Callable

from sklearn.base import RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVR
from sklearn.tree import DecisionTreeRegressor

from ibl_agents.baselines.preprocessing import SMALL_DATA_BOOSTING, preprocessing

RegressorFactory = Callable[[int], RegressorMixin]  # gets the train size; only k-NN needs it
COUNTERPARTS = {"logistic_regression": "ridge_regression", "linear_svm": "linear_svr"}


def ridge_regression(n_train: int) -> RegressorMixin:
    """L2 with alpha=1 on standardized features: the linear yardstick, shrunk like the classifier's C=1."""
    return make_pipeline(preprocessing(), Ridge(alpha=1.0))


def k_nearest_neighbors(n_train: int) -> RegressorMixin:
    """k = min(5, n_train - 1), distance-weighted: a local average, never the global mean."""
    k = max(1, min(5, n_train - 1))
    return make_pipeline(preprocessing(), KNeighborsRegressor(n_neighbors=k, weights="distance"))


def linear_svr(n_train: int) -> RegressorMixin:
    """Linear SVR, C=1, on a standardized target: its epsilon-insensitive loss and C are scale-bound, so a
    target in the hundreds would otherwise be fitted with weights far too small."""
    model = make_pipeline(preprocessing(), LinearSVR(C=1.0, max_iter=10_000, random_state=0))
    return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


def decision_tree(n_train: int) -> RegressorMixin:
    """Depth 3, at least 2 rows per leaf: at most 8 averages, as for the classification tree."""
    return make_pipeline(
        preprocessing(), DecisionTreeRegressor(max_depth=3, min_samples_leaf=2, random_state=0)
    )


def gradient_boosting(n_train: int) -> RegressorMixin:
    """50 depth-2 trees at rate 0.1 on seeded 80 % subsamples, as for the classifier."""
    return make_pipeline(
        preprocessing(),
        GradientBoostingRegressor(**SMALL_DATA_BOOSTING),
    )


REGRESSORS: dict[str, RegressorFactory] = {
    "ridge_regression": ridge_regression,
    "k_nearest_neighbors": k_nearest_neighbors,
    "linear_svr": linear_svr,
    "decision_tree": decision_tree,
    "gradient_boosting": gradient_boosting,
}


def regressor_name(baseline: str) -> str:
    """The regressor a baseline name fits for a regression target."""
    return COUNTERPARTS.get(baseline, baseline)
