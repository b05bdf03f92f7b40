"""Where a binary code model's training errors concentrate: one region and a line of code that moves it.

Observed on moons with the 1.5B model (issue 7): shown a table of its misclassified training rows, it
answered with code that looks the rows up by their label (``df['target']``, refused by the contract) or
with its linear model again; none of 39 revisions bent the boundary, so refine tied best-of-n at logistic
regression's ceiling. A table of points leaves the model to find the pattern in them; this finding states
it: the box of at most two column conditions (the leaves of a depth-2 decision tree fitted to the train
rows, errors of one direction against the rest) where those errors are the majority, and a rule for it.

Only train rows are used, whose labels are in the prompt already. Validation decides whether the rule
generalises; the finding only proposes it. Columns with missing values or non-numeric ones are left out
(a threshold on them would not say what happens to a missing value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from ibl_agents.data.dataset import Dataset

MIN_ERRORS = 2  # a region must hold at least this many errors of its direction,
MIN_ERROR_SHARE = 0.1  # and at least this share of the train rows: on 40 Titanic rows, regions of 2-3
# errors were noise (ages 38.5-46.5 "did not survive"), told with a shift that would have sunk them all
DEPTH = 2  # at most two conditions: a rule a small model can copy
PROBABILITY_CLIP = 0.01  # keeps the suggested shift finite for a probability of exactly 0 or 1
MARGIN = 0.5  # logit units past the boundary for the region's median error


@dataclass(frozen=True)
class ErrorRegion:
    """A box of train rows where errors of one direction are the majority."""

    conditions: list[str]  # pandas expressions, each selecting rows of df
    rows: int
    errors: int
    label: int  # the true class of the errors: 1 = missed positives, 0 = false positives
    median_probability: float

    @property
    def mask(self) -> str:
        return " & ".join(f"({condition})" for condition in self.conditions)

    @property
    def shift(self) -> float:
        """Logit units that carry the region's median error past 0.5, with a margin; signed."""
        p = float(np.clip(self.median_probability, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP))
        return round((abs(np.log(p / (1 - p))) + MARGIN) * (1 if self.label == 1 else -1), 1)

    def inside(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` the region holds, read from ``mask`` itself with pandas: the text the note
        hands the model, rounded thresholds included. A missing value fails its condition (outside)."""
        return np.asarray(pd.eval(self.mask, local_dict={"df": frame}), dtype=bool)


def error_region_note(scores: object, dataset: Dataset, train_rows: list[int]) -> str | None:
    """A sentence naming the region and the rule to add, or None (not binary, or no such region)."""
    if dataset.task != "binary":
        return None
    region = find_error_region(np.asarray(scores, dtype=float), dataset, train_rows)
    if region is None:
        return None
    names = {1: dataset.positive_label, 0: dataset.negative_label}
    direction = "below" if region.label == 1 else "above"
    return (
        f"the errors concentrate in one region: {region.errors} of the {region.rows} training rows where "
        f"{' and '.join(region.conditions)} have `{dataset.target}` {names[region.label]} but get "
        f"probabilities {direction} 0.5 (median {region.median_probability:.2f}). Add a rule for that "
        f"region, e.g. before the sigmoid: score += {region.shift} * ({region.mask}).to_numpy()"
    )


def find_error_region(scores: np.ndarray, dataset: Dataset, train_rows: list[int]) -> ErrorRegion | None:
    """The region holding the most errors of one direction, where they are the majority of its rows."""
    frame = dataset.frame.iloc[train_rows][dataset.features].select_dtypes("number")
    columns = frame.loc[:, frame.notna().all()]
    if columns.empty:
        return None
    truth = dataset.y.to_numpy()[train_rows]
    predicted = scores >= 0.5
    least = max(MIN_ERRORS, math.ceil(MIN_ERROR_SHARE * len(train_rows)))
    found: list[ErrorRegion] = []
    for label, wrong in ((1, (truth == 1) & ~predicted), (0, (truth == 0) & predicted)):
        if wrong.sum() >= least:
            found += _regions(columns, wrong, scores, label, least)
    return max(found, key=lambda r: (r.errors, r.errors / r.rows), default=None)


def _regions(
    columns: pd.DataFrame, wrong: np.ndarray, scores: np.ndarray, label: int, least: int
) -> list[ErrorRegion]:
    """Leaves holding at least ``least`` errors, which are the majority of their rows."""
    tree = DecisionTreeClassifier(max_depth=DEPTH, min_samples_leaf=least, random_state=0)
    values = columns.to_numpy()  # converted once: the tree, its leaves and each leaf's path read it
    tree.fit(values, wrong)
    leaves = tree.apply(values)
    regions = []
    for leaf in np.unique(leaves):
        inside = leaves == leaf
        errors = int(wrong[inside].sum())
        if inside.all() or errors < least or 2 * errors <= int(inside.sum()):
            continue
        first = int(np.flatnonzero(inside)[0])
        regions.append(
            ErrorRegion(
                conditions=_path(tree, values, list(columns.columns), first),
                rows=int(inside.sum()),
                errors=errors,
                label=label,
                median_probability=float(np.median(scores[inside & wrong])),
            )
        )
    return regions


def _path(tree: DecisionTreeClassifier, values: np.ndarray, names: list[str], row: int) -> list[str]:
    """The conditions leading to ``row``'s leaf, one bound per column side (a tighter one replaces)."""
    structure = tree.tree_
    bounds: dict[tuple[str, str], float] = {}
    for node in tree.decision_path(values[row : row + 1]).indices:
        if structure.children_left[node] == -1:
            continue
        name = str(names[structure.feature[node]])
        threshold = float(structure.threshold[node])
        side = "<=" if values[row, structure.feature[node]] <= threshold else ">"
        previous = bounds.get((name, side))
        tighter = min if side == "<=" else max
        bounds[(name, side)] = threshold if previous is None else tighter(previous, threshold)
    return [f"df[{name!r}] {side} {threshold:.4g}" for (name, side), threshold in bounds.items()]
