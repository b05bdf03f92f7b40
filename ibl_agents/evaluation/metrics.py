"""Host-side metrics: predictions that passed ``prediction_checks`` scored with labels that never left the
host.

A number printed by generated code is never trusted; only the per-row predictions returned by the
sandbox's runner are. Metrics per task (``tasks.REPORTED_METRICS``):

- binary: AUC (0.5 for constant output) and accuracy at 0.5;
- multiclass: macro-F1 and accuracy of the most probable class, and log loss of the probabilities, each
  row divided by its sum first (the gate allows a drift of 0.02) and clipped to [1e-15, 1] so that one
  confident mistake costs 34.5 rather than infinity;
- regression: R², RMSE and MAE.

Log loss, RMSE and MAE are lower-is-better; candidates are ranked by a selection metric where higher is
always better (``tasks.selection_score``), and failures rank below every score.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, r2_score, roc_auc_score

FAILED_SCORE = -math.inf  # any failure ranks below every real score
PROBABILITY_FLOOR = 1e-15


def metrics(y_true: np.ndarray, scores: np.ndarray, task: str = "binary") -> dict[str, float]:
    """The task's metrics of checked predictions (binary: probabilities; multiclass: (n, k) class
    probabilities; regression: numbers)."""
    if task == "multiclass":
        return _multiclass(np.asarray(y_true, dtype=int), np.asarray(scores, dtype=float))
    if task == "regression":
        return _regression(np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float))
    y_true = np.asarray(y_true, dtype=int)
    scores = np.asarray(scores, dtype=float)
    auc = float(roc_auc_score(y_true, scores)) if len(set(y_true.tolist())) == 2 else float("nan")
    accuracy = float(accuracy_score(y_true, (scores >= 0.5).astype(int)))
    return {"auc": auc, "accuracy": accuracy}


def _multiclass(y_true: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    p = probabilities / probabilities.sum(axis=1, keepdims=True)
    predicted = p.argmax(axis=1)
    truth = np.clip(p[np.arange(len(y_true)), y_true], PROBABILITY_FLOOR, 1.0)
    return {
        "macro_f1": float(f1_score(y_true, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, predicted)),
        "log_loss": float(-np.log(truth).mean()),
    }


def _regression(y_true: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    errors = predicted - y_true
    return {
        "r2": float(r2_score(y_true, predicted)) if len(y_true) > 1 else float("nan"),
        "rmse": float(np.sqrt(np.mean(errors**2))),
        "mae": float(np.mean(np.abs(errors))),
    }


def pooled_and_folds(
    y_by_fold: list[np.ndarray], scores_by_fold: list[np.ndarray], task: str = "binary"
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Metrics over all validation rows pooled, and per fold (the spread shows how noisy a gain is)."""
    pooled = metrics(np.concatenate(y_by_fold), np.concatenate(scores_by_fold), task)
    per_fold = [metrics(y, s, task) for y, s in zip(y_by_fold, scores_by_fold, strict=True)]
    return pooled, per_fold
