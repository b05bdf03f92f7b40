"""The host's gates on what a code model returned, per task, before anything is scored.

The sandbox's runner already holds the output to its shape (one number per row, or for multiclass one row
of k numbers per row); the host checks again and judges the values, since they come from untrusted code:

- binary: one finite probability in [0, 1] per row;
- multiclass: an (n, k) matrix of finite, non-negative class probabilities whose rows sum to 1 within
  ``ROW_SUM_TOLERANCE`` (0.02: three classes rounded to 2 decimals pass, unnormalised scores such as
  likelihoods or votes do not). Rows are not renormalised here: accepting unnormalised rows would hide a
  broken contract in best_model.py. ``scoring`` divides the accepted rows by their sums, so the metrics
  never depend on that small drift;
- regression: one finite number per row.

Each failure is ``invalid_output`` with one sentence saying what was returned and what to change. Its
``rule`` says what to change without any value, row or count: all a failure on held-out rows may say
(``held_out_failures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sandbox.results import OutcomeKind

ROW_SUM_TOLERANCE = 0.02
SOFTMAX = "e = np.exp(s - s.max(axis=1, keepdims=True)); p = e / e.sum(axis=1, keepdims=True)"


@dataclass(frozen=True)
class PredictionCheck:
    kind: OutcomeKind
    message: str = ""
    rule: str = ""  # the end of ``message`` that holds nothing of the rows: what the output must be


def check_predictions(
    predictions: Sequence[object], expected_rows: int, task: str = "binary", n_classes: int = 2
) -> PredictionCheck:
    """Gate the sandbox's output for ``task``: see the module docstring for what each task must return."""
    values = np.asarray(predictions, dtype=float)
    if task == "multiclass":
        return _class_probabilities(values, expected_rows, n_classes)
    if values.ndim != 1 or len(values) != expected_rows:
        return _invalid(
            f"returned {len(values)} values for {expected_rows} rows", "return one number per row"
        )
    if not_finite := _not_finite(values, "{} NaN or infinite value(s)"):
        return not_finite
    if task == "binary" and (values.min() < 0 or values.max() > 1):
        rule = "probabilities must lie in [0, 1] (squash scores with a sigmoid or clip them)"
        return _invalid(f"returned values from {values.min():.4g} to {values.max():.4g}", rule)
    return PredictionCheck(OutcomeKind.OK)


def _class_probabilities(values: np.ndarray, rows: int, k: int) -> PredictionCheck:
    if values.ndim != 2 or values.shape != (rows, k):
        return _invalid(
            f"returned shape {values.shape}, expected ({rows}, {k})", "one probability per class per row"
        )
    if not_finite := _not_finite(values, "NaN or infinite probabilities in {} row(s)"):
        return not_finite
    if values.min() < 0:
        row = int(np.argmin(values.min(axis=1)))
        return _invalid(
            f"returned negative probabilities (lowest {values.min():.4g}, at row {row})",
            "class probabilities must be >= 0: turn per-class scores s into probabilities with a softmax:"
            f" {SOFTMAX}",
        )
    sums = values.sum(axis=1)
    off = np.abs(sums - 1) > ROW_SUM_TOLERANCE
    if off.any():
        row = int(np.argmax(off))
        return _invalid(
            f"returned rows that sum to {sums.min():.4g} .. {sums.max():.4g} (row {row}: {sums[row]:.4g})",
            "each row's class probabilities must sum to 1: divide each row by its sum"
            f" (p / p.sum(axis=1, keepdims=True)) or use a softmax: {SOFTMAX}",
        )
    return PredictionCheck(OutcomeKind.OK)


def _not_finite(values: np.ndarray, what: str) -> PredictionCheck | None:
    """``what`` names the bad rows, ``{}`` standing for their count."""
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if not bad.any():
        return None
    return _invalid(
        f"returned {what.format(int(bad.sum()))} (first at row {int(np.argmax(bad))})",
        "no NaN or infinite value: handle missing values and divisions by zero",
    )


def _invalid(found: str, rule: str) -> PredictionCheck:
    """``found``: what was returned (values, rows, counts); ``rule``: what it must be, nothing of the rows."""
    return PredictionCheck(OutcomeKind.INVALID_OUTPUT, f"{found}; {rule}", rule)
