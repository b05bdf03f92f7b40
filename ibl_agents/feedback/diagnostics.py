"""Mechanical failures recognised without an LLM, stated plainly for the next generation.

Small models make the same mechanical mistakes again and again (observed here: rankings inverted, constant
output, columns that do not exist, a forgotten import). A sentence that names the mistake beats a stack
trace, and costs no tokens. Per task: an inverted ranking is a binary finding; a multiclass model that
picks one class for every row, and a regression model worse than the training average (R² < 0), are
named too.
"""

from __future__ import annotations

import re

import numpy as np

from ibl_agents.evaluation.evaluate import Evaluation
from sandbox.results import OutcomeKind

INVERTED_AUC = 0.45


def diagnose(
    evaluation: Evaluation,
    columns: list[str],
    metric: str,
    task: str = "binary",
    classes: tuple[str, ...] = (),
) -> list[str]:
    """Plain-language findings about one evaluation, most important first (``classes``: multiclass)."""
    if evaluation.kind is not OutcomeKind.OK:
        return _failure_notes(evaluation, columns)
    scores = np.asarray(evaluation.train_scores, dtype=float)
    if task == "multiclass":
        return _multiclass_notes(scores, classes)
    notes = []
    if scores.size and float(scores.std()) < 1e-9:
        notes.append(
            f"predict returns the same value ({scores[0]:.3g}) for every row, so it ranks nothing;"
            " the output must vary with the features."
        )
    r2 = evaluation.validation.get("r2", float("nan"))
    if task == "regression" and r2 < 0:
        notes.append(
            f"validation R² is {r2:.3f}: worse than predicting TARGET_MEAN for every row; check the sign of"
            " each term (CORRELATION gives it) and its scale (a standardised term times TARGET_SPREAD)."
        )
    auc = evaluation.validation.get("auc", float("nan"))
    if auc < INVERTED_AUC:
        notes.append(
            f"the ranking is backwards: validation AUC {auc:.3f}, which would be {1 - auc:.3f} with the"
            " direction flipped; rows you score high are mostly the other class (swap p for 1 - p or"
            " reverse the comparison)."
        )
    return notes


def _multiclass_notes(probabilities: np.ndarray, classes: tuple[str, ...]) -> list[str]:
    if not probabilities.size:
        return []
    if float(np.ptp(probabilities, axis=0).max()) < 1e-9:
        return [
            "predict returns the same probabilities for every row, so it tells no class apart; the output"
            " must vary with the features."
        ]
    picked = np.unique(probabilities.argmax(axis=1))
    if len(picked) == 1:
        return [
            f"every row gets the same most probable class ({classes[int(picked[0])]!r}); the other classes"
            " never win: score each class by how close the row is to its MEAN_BY_CLASS values."
        ]
    return []


def _failure_notes(evaluation: Evaluation, columns: list[str]) -> list[str]:
    text = f"{evaluation.message}\n{evaluation.detail}"
    notes = [f"the code failed ({evaluation.kind.value}): {evaluation.message}"]
    missing_column = re.search(r"KeyError: ['\"]([^'\"]+)['\"]", text)
    if missing_column and missing_column.group(1) not in columns:
        notes.append(
            f"column {missing_column.group(1)!r} does not exist; the only columns are: {', '.join(columns)}."
        )
    value_key = re.search(r"KeyError: (?:np\.\w+\()?(-?[\d.]+(?:e-?\d+)?)\)?", text)
    if value_key:
        notes.append(
            f"a dict or DataFrame was indexed with a data value ({value_key.group(1)}) instead of a column"
            " name: write SPREAD['column_name'] or df['column_name'], not SPREAD[value]."
        )
    undefined = re.search(r"NameError: name '(\w+)' is not defined", text)
    if undefined and undefined.group(1) in ("np", "pd", "math"):
        module = {"np": "numpy as np", "pd": "pandas as pd", "math": "math"}[undefined.group(1)]
        notes.append(f"`{undefined.group(1)}` is used but never imported: add `import {module}` at the top.")
    if evaluation.kind is OutcomeKind.TIMEOUT:
        notes.append("it ran out of time: avoid loops over rows inside loops; use vectorised pandas/numpy.")
    return notes
