"""Harness-only models: the generator prompt's constants and example shape applied by the host, no LLM.

Issue 13: the binary prompt states constants of the train rows (``train_statistics``) and an example term,
``SEPARATION[c] * (df[c] - MIDPOINT[c]) / SPREAD[c]`` summed into a score and passed through a sigmoid.
Applied to every numeric column, that is a complete linear classifier the harness fitted, and issue 13
found that with no LLM at all it reproduces the README's numbers. So every run reports these models
beside the LLM's code: what the LLM adds is what its code beats them by.

- ``template``: the example's shape over every numeric feature, with exactly the constants the prompt
  states, computed from the train rows only. Binary: the sum above, then a sigmoid. Multiclass (the
  example of ``task_multiclass.txt``): score_j = -sum_c ((x_c - MEAN_BY_CLASS[j][c]) / SPREAD[c])^2, then
  a softmax; a class absent from the train rows gets probability 0, as in ``baselines``. Regression:
  TARGET_MEAN + TARGET_SPREAD * sum_c CORRELATION[c] * (x_c - MEAN[c]) / SPREAD[c]. That is one reading
  of the regression example, which leaves each weight to the model and says CORRELATION gives its sign
  and size. With no numeric feature: the train rows' prior (share of positives, class shares,
  TARGET_MEAN).
- ``template+region`` (binary only): the template plus the harness's own error-region finding
  (``error_region``) on the template's train scores: ``score += shift * (mask)`` before the sigmoid,
  the line ``error_region_note`` suggests.

A term that cannot be computed adds 0: a missing value (binary, regression: as if at the midpoint or the
mean), or a column that is constant on the train rows. For regression its CORRELATION is 0 anyway; for
multiclass its term is the same for every class, so leaving it out changes no probability. This is our
code and runs on the host; no generated code runs here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit, softmax

from ibl_agents.data.dataset import Dataset
from ibl_agents.data.splits import Splits
from ibl_agents.feedback.error_region import ErrorRegion, find_error_region
from ibl_agents.prompts.constants import binary_summaries, multiclass_summaries, regression_summaries

TEMPLATE = "template"
TEMPLATE_REGION = "template+region"
Scorer = Callable[[pd.DataFrame], np.ndarray]  # rows of the dataset's feature frame -> per-row scores


@dataclass(frozen=True)
class HarnessOnly:
    """The harness-only models' scores and the error region ``template+region`` added."""

    predictions: dict[str, dict[str, np.ndarray]]  # name -> {"validation": ..., "test": ...}
    region: ErrorRegion | None  # None: no region found, or not a binary task

    def region_json(self) -> dict[str, Any] | None:
        """The region as summary.json records it: its conditions, the rows it holds and the shift added."""
        return None if self.region is None else {**asdict(self.region), "shift": float(self.region.shift)}


def harness_only_predictions(dataset: Dataset, splits: Splits) -> HarnessOnly:
    """Scores of every harness-only model on the rows of ``splits.validation`` and ``splits.test``, in
    that order: the shape ``baselines.baseline_predictions`` returns, so ``baselines.baseline_metrics``
    scores them. Only the train rows' features and labels set the models."""
    region = None
    if dataset.task == "binary":
        score = _binary_score(dataset, splits.train)
        train_scores = expit(score(dataset.frame.iloc[splits.train]))
        region = find_error_region(train_scores, dataset, splits.train)
        models = {TEMPLATE: _probabilities(score), TEMPLATE_REGION: _probabilities(score, region)}
    else:
        models = {TEMPLATE: template(dataset, splits.train)}
    rows = {"validation": splits.validation, "test": splits.test}
    predictions = {
        name: {split: model(dataset.frame.iloc[positions]) for split, positions in rows.items()}
        for name, model in models.items()
    }
    return HarnessOnly(predictions, region)


def template(dataset: Dataset, train_rows: list[int]) -> Scorer:
    """The task's template with the constants of ``train_rows`` (binary: probabilities of class 1;
    multiclass: (n, k) class probabilities in class order; regression: numbers)."""
    if dataset.task == "binary":
        return _probabilities(_binary_score(dataset, train_rows))
    numeric, y = _train(dataset, train_rows)
    if dataset.task == "multiclass":
        return _multiclass(numeric, y, len(dataset.classes))
    return _regression(numeric, y)


def _binary_score(dataset: Dataset, train_rows: list[int]) -> Scorer:
    """The binary template's score before the sigmoid: sum_c SEPARATION[c] * (x_c - MIDPOINT[c]) /
    SPREAD[c] over every numeric column; the train rows' log-odds when none is numeric."""
    numeric, y = _train(dataset, train_rows)
    if numeric.empty:
        prior = float(logit(y.mean()))
        return lambda frame: np.full(len(frame), prior)
    midpoint, separation, spread = binary_summaries(numeric, y)
    return lambda frame: _summed(separation * (frame[numeric.columns] - midpoint) / spread)


def _probabilities(score: Scorer, region: ErrorRegion | None = None) -> Scorer:
    """The sigmoid of ``score``, plus ``region.shift`` inside the region when there is one."""

    def probabilities(frame: pd.DataFrame) -> np.ndarray:
        shift = region.shift * region.inside(frame) if region is not None else 0.0
        return expit(score(frame) + shift)

    return probabilities


def _multiclass(numeric: pd.DataFrame, y: pd.Series, n_classes: int) -> Scorer:
    shares = np.bincount(y.to_numpy(), minlength=n_classes) / len(y)
    if numeric.empty:
        return lambda frame: np.tile(shares, (len(frame), 1))
    means, spread = multiclass_summaries(numeric, y, n_classes)

    def probabilities(frame: pd.DataFrame) -> np.ndarray:
        features = frame[numeric.columns]
        distances = [_summed(((features - means.iloc[j]) / spread) ** 2) for j in range(n_classes)]
        score = np.where(shares > 0, -np.column_stack(distances), -np.inf)  # an absent class: probability 0
        return softmax(score, axis=1)

    return probabilities


def _regression(numeric: pd.DataFrame, y: pd.Series) -> Scorer:
    target_mean, target_spread, mean, spread, correlation = regression_summaries(numeric, y)
    if numeric.empty:
        return lambda frame: np.full(len(frame), target_mean)
    return lambda frame: (
        target_mean + target_spread * _summed(correlation * (frame[numeric.columns] - mean) / spread)
    )


def _summed(terms: pd.DataFrame) -> np.ndarray:
    """Row sums of per-column terms; a term that cannot be computed (missing value, constant column) is 0."""
    values = terms.to_numpy(dtype=float)
    return np.where(np.isfinite(values), values, 0.0).sum(axis=1)


def _train(dataset: Dataset, train_rows: list[int]) -> tuple[pd.DataFrame, pd.Series]:
    """The numeric features and the labels of the train rows: the rows the prompt's constants describe."""
    return dataset.frame.iloc[train_rows].select_dtypes(include="number"), dataset.y.iloc[train_rows]
