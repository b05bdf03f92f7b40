"""The train rows a candidate gets wrong, as text for the critic (the ``misclassified_rows`` channel).

Only train rows: their labels are in the prompt already. Per task:
- binary: a class-balanced sample of misclassified rows with the predicted probability;
- multiclass: the most confused (true -> predicted) class pairs with their counts, and example rows of
  each pair with the probability the code gave the true class;
- regression: the rows with the largest errors, signed (``over`` / ``under``-predicted), after the mean
  error, which says whether predictions run high or low overall.

The true label's column is headed ``true <target> (not in df)``, not with the target's name, so that the
table does not present the label as a column predict gets. Measured on moons with the 1.5B model, it did
not change how often its rewrites read ``df['target']`` (10 of 21 refinement candidates under the plain
header, 19 of 39 under this one): that habit is the model's, and the contract refuses it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ibl_agents.data.dataset import Dataset

CONFUSED_PAIRS = 3  # class pairs named for a multiclass model


def train_errors(scores: object, dataset: Dataset, train_rows: list[int], limit: int) -> str:
    """Text about the train rows ``scores`` (what predict returned for them) gets wrong; at most ``limit``
    rows are shown."""
    values = np.asarray(scores, dtype=float)
    truth = dataset.y.to_numpy()[train_rows]
    if dataset.task == "multiclass":
        return _confused_pairs(values, truth, dataset, train_rows, limit)
    if dataset.task == "regression":
        return _largest_residuals(values, truth, dataset, train_rows, limit)
    return _misclassified(values, truth, dataset, train_rows, limit)


def _misclassified(
    scores: np.ndarray, truth: np.ndarray, dataset: Dataset, rows: list[int], limit: int
) -> str:
    wrong = np.flatnonzero((scores >= 0.5).astype(int) != truth)
    if wrong.size == 0:
        return "\nIt classifies every training row correctly.\n"
    by_class = [wrong[truth[wrong] == c][: limit // 2 + limit % 2] for c in (1, 0)]
    picked = sorted(np.concatenate(by_class).tolist())[:limit]
    labels = [dataset.positive_label if truth[i] else dataset.negative_label for i in picked]
    columns = {
        _truth_header(dataset): labels,
        "predicted_probability": [round(float(scores[i]), 3) for i in picked],
    }
    return f"\n{wrong.size} of {len(rows)} training rows are misclassified; some of them:\n" + _table(
        dataset, rows, picked, columns
    )


def _confused_pairs(
    probabilities: np.ndarray, truth: np.ndarray, dataset: Dataset, rows: list[int], limit: int
) -> str:
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != truth)
    if wrong.size == 0:
        return "\nIt classifies every training row correctly.\n"
    names = dataset.classes
    pairs = Counter(zip(truth[wrong].tolist(), predicted[wrong].tolist(), strict=True)).most_common(
        CONFUSED_PAIRS
    )
    listed = ", ".join(f"{names[t]} -> {names[p]} ({n} row{'s' * (n > 1)})" for (t, p), n in pairs)
    per_pair = max(1, limit // len(pairs))
    picked = sorted(
        i
        for t, p in (pair for pair, _ in pairs)
        for i in wrong[(truth[wrong] == t) & (predicted[wrong] == p)][:per_pair]
    )[:limit]
    columns = {
        _truth_header(dataset): [names[truth[i]] for i in picked],
        "predicted": [names[predicted[i]] for i in picked],
        "probability_of_true_class": [round(float(probabilities[i, truth[i]]), 3) for i in picked],
    }
    return (
        f"\n{wrong.size} of {len(rows)} training rows are misclassified. Most confused (true -> predicted):"
        f" {listed}. Examples:\n" + _table(dataset, rows, picked, columns)
    )


def _largest_residuals(
    predicted: np.ndarray, truth: np.ndarray, dataset: Dataset, rows: list[int], limit: int
) -> str:
    errors = predicted - truth
    picked = sorted(np.argsort(-np.abs(errors), kind="stable")[:limit].tolist())
    bias = float(errors.mean())
    direction = "too high" if bias > 0 else "too low"
    columns = {
        _truth_header(dataset): [float(truth[i]) for i in picked],
        "predicted": [float(predicted[i]) for i in picked],
        "error": [f"{errors[i]:+.4g} ({'over' if errors[i] > 0 else 'under'}-predicted)" for i in picked],
    }
    return (
        f"\nOn the {len(rows)} training rows the mean error is {bias:+.4g} (predictions {direction} on"
        f" average). The largest errors:\n" + _table(dataset, rows, picked, columns)
    )


def _truth_header(dataset: Dataset) -> str:
    return f"true {dataset.target} (not in df)"


def _table(dataset: Dataset, rows: list[int], picked: list[int], columns: dict[str, list[object]]) -> str:
    table = dataset.frame.iloc[[rows[i] for i in picked]].reset_index(drop=True)
    return pd.concat([table, pd.DataFrame(columns)], axis=1).to_csv(index=False, float_format="%.4g")
