"""Host-side judging: predictions are checked and scored with labels that never left the host.

A number printed by generated code is never trusted; only the per-row predictions returned by the
sandbox's runner are, after the length, finiteness and range gates here. Scores carry a direction
(higher is better for every metric we report), and failures rank below every score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from sandbox.results import OutcomeKind

FAILED_SCORE = -math.inf  # any failure ranks below every real score


@dataclass(frozen=True)
class PredictionCheck:
    kind: OutcomeKind
    message: str = ""


def check_predictions(predictions: list[float], expected_rows: int) -> PredictionCheck:
    """Gate the sandbox's output: one finite probability per row."""
    values = np.asarray(predictions, dtype=float)
    if values.ndim != 1 or len(values) != expected_rows:
        return PredictionCheck(
            OutcomeKind.INVALID_OUTPUT, f"returned {len(values)} values for {expected_rows} rows"
        )
    bad = ~np.isfinite(values)
    if bad.any():
        return PredictionCheck(
            OutcomeKind.INVALID_OUTPUT,
            f"returned {int(bad.sum())} NaN or infinite value(s) (first at row {int(np.argmax(bad))});"
            " handle missing values and divisions by zero",
        )
    if values.min() < 0 or values.max() > 1:
        return PredictionCheck(
            OutcomeKind.INVALID_OUTPUT,
            f"returned values from {values.min():.4g} to {values.max():.4g}; probabilities must lie in"
            " [0, 1] (squash scores with a sigmoid or clip them)",
        )
    return PredictionCheck(OutcomeKind.OK)


def metrics(y_true: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """AUC and accuracy at 0.5; AUC is 0.5 for constant output (no ranking information)."""
    y_true = np.asarray(y_true, dtype=int)
    scores = np.asarray(scores, dtype=float)
    auc = float(roc_auc_score(y_true, scores)) if len(set(y_true.tolist())) == 2 else float("nan")
    accuracy = float(accuracy_score(y_true, (scores >= 0.5).astype(int)))
    return {"auc": auc, "accuracy": accuracy}


def pooled_and_folds(
    y_by_fold: list[np.ndarray], scores_by_fold: list[np.ndarray]
) -> tuple[dict[str, float], list[dict[str, float]]]:
    """Metrics over all validation rows pooled, and per fold (the spread shows how noisy a gain is)."""
    pooled = metrics(np.concatenate(y_by_fold), np.concatenate(scores_by_fold))
    per_fold = [metrics(y, s) for y, s in zip(y_by_fold, scores_by_fold, strict=True)]
    return pooled, per_fold
