"""The kinds of task a code model learns, what its ``predict(df)`` returns, and how candidates are ranked.

- ``binary``: two classes; one probability per row, of the positive class (1/True/yes-like, else the
  later label in sort order).
- ``multiclass``: 3 to ``MAX_CLASSES`` classes, ordered by their labels sorted as text; an (n, k) matrix of
  class probabilities per row, columns in that order (rows sum to 1).
- ``regression``: a numeric target; one finite number per row.

``task = "auto"`` reads the target column (``ibl_agents.data.target``): booleans, text, and whole numbers with
at most ``MAX_CLASSES`` distinct values are classes (2 -> binary, 3 or more -> multiclass); numbers with
fractions, or more distinct whole numbers than that, are a regression target.

Candidates are ranked by one *selection metric* per run, higher always better (failures rank below every
score): each task lists the metrics that fit it, its default first. Metrics where lower is better are
selected as their negation, named as scikit-learn names its scorers (``neg_log_loss``, ``neg_rmse``), while
reports show the plain value (``log_loss``, ``rmse``).
"""

from __future__ import annotations

from typing import Literal, get_args

from ibl_agents.errors import ConfigError

TaskType = Literal["binary", "multiclass", "regression"]
TaskSetting = Literal["auto", "binary", "multiclass", "regression"]
TASKS: tuple[str, ...] = get_args(TaskType)
TASK_SETTINGS: tuple[str, ...] = get_args(TaskSetting)
MAX_CLASSES = 20  # more classes than this do not fit a prompt (per-class statistics, one column each)
AUTO = "auto"

# Metrics each task reports, as ``scoring.metrics`` returns them (report tables show them in this order).
REPORTED_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("auc", "accuracy"),
    "multiclass": ("macro_f1", "accuracy", "log_loss"),
    "regression": ("r2", "rmse", "mae"),
}
LOWER_IS_BETTER = frozenset({"log_loss", "rmse", "mae"})
NEGATED = "neg_"
# Selection metrics that fit each task, the default first.
SELECTION_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("auc", "accuracy"),
    "multiclass": ("macro_f1", "accuracy", "neg_log_loss"),
    "regression": ("r2", "neg_rmse", "neg_mae"),
}
ALL_SELECTION_METRICS: tuple[str, ...] = tuple(
    dict.fromkeys(m for ms in SELECTION_METRICS.values() for m in ms)
)


def selection_metric(metric: str, task: str) -> str:
    """The metric candidates of a ``task`` are ranked by: ``auto`` is the task's default; a metric that does
    not fit the task raises ConfigError listing the ones that do."""
    allowed = SELECTION_METRICS[task]
    if metric == AUTO:
        return allowed[0]
    if metric not in allowed:
        raise ConfigError(
            f"loop.metric {metric!r} does not fit a {task} task; choose one of {', '.join(allowed)}"
            f" (or auto: {allowed[0]})"
        )
    return metric


def selection_score(metrics: dict[str, float], metric: str) -> float | None:
    """The ranking score of ``metric`` (``neg_x`` is minus ``x``), or None when it was not computed."""
    name = metric.removeprefix(NEGATED)
    if name not in metrics:
        return None
    return -metrics[name] if metric.startswith(NEGATED) else metrics[name]


def shown_score(metric: str, score: float) -> tuple[str, float]:
    """A selection metric and score as people read them: ``neg_rmse`` -2.5 is ``rmse`` 2.5."""
    if metric.startswith(NEGATED):
        return metric.removeprefix(NEGATED), -score
    return metric, score
