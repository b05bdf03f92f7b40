"""Mechanical repairs the harness makes to a candidate: recorded as such, never passed off as LLM work.

Inverted ranking. Small models often get the sign of a term wrong (the 1.5B model wrote
``score += MEAN_WHEN_1['Feature_1'] - df['Feature_1'] / SPREAD['Feature_1']``): the code then ranks the
classes backwards, validation AUC 0.05, an almost perfect model upside down. The critic says so, but in
our moons runs the model rarely acted on it (4 of 18 final models stayed inverted). The decision to flip
is taken on the training rows the LLM was shown (their AUC is computed anyway), never on the validation
folds, so validation still judges the repaired model fairly. The repaired source keeps the LLM's code
unchanged and appends a wrapper that returns 1 - p, so reading it shows exactly what the harness did.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from ibl_agents.evaluation.evaluate import Evaluation
from sandbox.results import OutcomeKind

# Flip only a clearly backwards ranking: with 40 shown rows, a chance-level model's train AUC has a
# standard deviation near 0.09, so 0.3 keeps random models (which flipping cannot help) unrepaired.
INVERTED_TRAIN_AUC = 0.3

INVERSION_WRAPPER = """

# Added by ibl-agents, not written by the LLM: the code above ranked the classes backwards on the
# training rows it was shown (AUC {train_auc:.3f}), so its probabilities are reversed.
_predict_as_written = predict


def predict(df):
    import numpy

    return 1.0 - numpy.asarray(_predict_as_written(df), dtype=float).ravel()
"""


def ranks_backwards(train_auc: float | None) -> bool:
    """True for a binary model whose ranking of the shown rows is clearly inverted."""
    return train_auc is not None and not math.isnan(train_auc) and train_auc < INVERTED_TRAIN_AUC


def inverted_source(code: str, train_auc: float) -> str:
    """The candidate's code, unchanged, followed by the wrapper that reverses its probabilities."""
    return code.rstrip() + "\n" + INVERSION_WRAPPER.format(train_auc=train_auc)


@dataclass(frozen=True)
class Repaired:
    """What the candidate became: its code and evaluation, and the repair's record (None: untouched)."""

    code: str
    evaluation: Evaluation
    record: dict[str, Any] | None = None


def apply_repairs(
    code: str, evaluation: Evaluation, evaluate: Callable[[str], Evaluation], aids: Collection[str], task: str
) -> Repaired:
    """Apply the repairs among the scaffold ``aids`` that fit this candidate; a repair is kept only when
    the repaired code runs cleanly (``evaluate`` runs it in the sandbox like any candidate)."""
    train_auc = evaluation.train.get("auc")
    if (
        "invert_ranking" not in aids
        or task != "binary"
        or evaluation.kind is not OutcomeKind.OK
        or not ranks_backwards(train_auc)
    ):
        return Repaired(code, evaluation)
    repaired = inverted_source(code, float(train_auc))
    fixed = evaluate(repaired)
    if fixed.kind is not OutcomeKind.OK:
        return Repaired(code, evaluation)
    record = {
        "kind": "invert_ranking",
        "train_auc_as_written": train_auc,
        "validation_as_written": evaluation.validation,
    }
    return Repaired(repaired, fixed, record)
