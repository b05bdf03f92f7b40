"""Data audit before the loop: problems that would make any code model's score meaningless.

The IBL paper's Titanic split carries ``alive_yes == survived`` on every row; a code model that reads it
scores perfectly and learns nothing. The audit flags such columns (warn by default, ``--drop-leaks``
drops them), plus columns named after the target, constant columns, duplicate rows and missing values.

A column is a *leak* when a rule reading that column alone gets >= 99 % of each class's rows right.
Per class, not overall: with 1 % positives, guessing "0" everywhere is 99 % accurate, and every column
would look like a leak. Two rules, each checked only where chance cannot produce it:

1. Category mapping: a column with at most 10 distinct values (missing counts as one), each value
   mapped to its majority label. Any function of the target (a copy, its negation, ``3 * y + 1``) has
   two values and is caught here. Checked only with >= 10 rows per distinct value: a binary column
   unrelated to a balanced target matches it on all of 6 rows with probability 2/C(6,3) = 0.1 (on the
   paper's first 6 Titanic rows ``sex_female``, ``who_man`` and four more columns do), on 20 rows with
   probability 2/C(20,10) = 1e-5.
2. Single cut point: a numeric column with more than 10 distinct values where one threshold puts the
   classes on its two sides, checked on >= 50 non-missing rows (an unrelated continuous column separates
   50 balanced rows by chance with probability 2/C(50,25) = 1e-14). It catches a leaked score or a
   measurement taken after the outcome; it also flags a feature that decides the label by construction
   (synthetic ``y = x1 > 0``), which makes the task trivial just the same.

The rules read class labels. For a multiclass target rule 1 holds each of the k classes to 99 % (any
function of the target still maps onto it); rule 2, a cut between two classes, is binary only. A
regression target has no classes, so neither rule is checked: the report's ``notes`` say so.

A column whose name contains the target's name as a whole word (``survived_flag``, ``is_survived``, or
``survived.1``, pandas' name for a repeated header) is only *named like the target*: a name is a hint,
not evidence, so it is warned about and never dropped by ``--drop-leaks``. The target's name is read
from ``y.name`` (``Dataset.y`` keeps it).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

LEAK_AGREEMENT = 0.99  # share of each class's rows a one-column rule must get right to be a leak
CATEGORY_MAX_VALUES = 10  # columns with at most this many values are checked as categories (rule 1)
ROWS_PER_VALUE = 10  # rule 1 needs this many rows per distinct value
CUT_MIN_ROWS = 50  # rule 2 needs this many non-missing rows
_WORD_BREAK = r"[_\-. ]"
LONG_VALUE_CHARS = 80  # prompts show a longer text value cut to this many characters (prompts.rows)
MISSING = "\0missing"  # the value rule 1 gives a missing cell (no data value is spelt like it)


@dataclass
class AuditReport:
    leaks: list[str] = field(default_factory=list)
    named_like_target: list[str] = field(default_factory=list)
    constant: list[str] = field(default_factory=list)
    duplicate_rows: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    long_values: dict[str, int] = field(default_factory=dict)  # column -> its longest text value's length
    test_repeats_train: int = 0  # locked test rows identical to a train row (features and label)
    notes: list[str] = field(default_factory=list)  # checks that do not apply to this task

    def warnings(self) -> list[str]:
        out = []
        if self.leaks:
            out.append(
                f"target leak: {', '.join(self.leaks)} predict the target on >= {LEAK_AGREEMENT:.0%} of"
                " each class's rows; pass --drop-leaks to remove them"
            )
        if self.named_like_target:
            flags = " ".join(f"--drop-columns {name}" for name in self.named_like_target)
            out.append(
                f"named like the target: {', '.join(self.named_like_target)}; check they are not derived"
                f" from it ({flags} removes them)"
            )
        if self.constant:
            out.append(f"constant columns carry no signal: {', '.join(self.constant)}")
        if self.duplicate_rows:
            out.append(f"{self.duplicate_rows} duplicate row(s)")
        if self.missing:
            listed = ", ".join(f"{k} ({v})" for k, v in self.missing.items())
            out.append(f"missing values: {listed}; predict() must handle NaN")
        if self.test_repeats_train:
            out.append(
                f"{self.test_repeats_train} locked test row(s) repeat a train row exactly; test scores"
                " overstate how the model does on new rows"
            )
        for column, length in self.long_values.items():
            out.append(
                f"column {column!r} holds text values of up to {length} characters; prompts show their first"
                f" {LONG_VALUE_CHARS} (--drop-columns {shlex.quote(column)} removes the column)"
            )
        return out

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def audit(frame: pd.DataFrame, y: pd.Series, task: str = "binary") -> AuditReport:
    """Audit features against the encoded target (all rows, all splits: a leak anywhere is a leak).

    ``y`` holds class indices (0/1 for binary) or, for ``task="regression"``, numbers."""
    report = AuditReport()
    labels = y.to_numpy()
    classes = len(set(labels.tolist()))
    check_leaks = task != "regression" and classes >= 2
    if task == "regression":
        report.notes.append("leak rules read class labels: not checked for a regression target")
    elif classes > 2:
        report.notes.append("leak rule 2 (one cut separating the classes) is binary only: not checked")
    for column in frame.columns:
        series = frame[column]
        if series.nunique(dropna=False) <= 1:
            report.constant.append(str(column))
            continue
        if check_leaks and (
            _maps_onto_target(series, labels) or (classes == 2 and _cut_separates(series, labels))
        ):
            report.leaks.append(str(column))
        elif y.name is not None and _named_like(str(column), str(y.name)):
            report.named_like_target.append(str(column))
        n_missing = int(series.isna().sum())
        if n_missing:
            report.missing[str(column)] = n_missing
        if series.dtype.kind not in "biufcmM":
            longest = int(series.map(lambda value: len(value) if isinstance(value, str) else 0).max())
            if longest > LONG_VALUE_CHARS:
                report.long_values[str(column)] = longest
    # concat, not assign: inserting a column into a wide frame warns (PerformanceWarning) on stderr
    with_labels = pd.concat([frame.reset_index(drop=True), pd.Series(labels, name="\0y")], axis=1)
    report.duplicate_rows = int(with_labels.duplicated().sum())
    return report


def _maps_onto_target(series: pd.Series, labels: np.ndarray) -> bool:
    """Rule 1: each value's majority label gets >= 99 % of each class right (every class present)."""
    distinct = series.nunique(dropna=False)
    if distinct > CATEGORY_MAX_VALUES or len(labels) < ROWS_PER_VALUE * distinct:
        return False
    # Missing is a value of its own, and every value is compared as text: with pandas 3 ``astype(str)``
    # kept NaN, and a text column with one missing value crashed the audit (Titanic's ``embarked``).
    values = np.array([MISSING if pd.isna(value) else str(value) for value in series], dtype=object)
    majority = pd.crosstab(values, labels).idxmax(axis=1)
    predicted = majority.loc[values].to_numpy()
    return min((predicted[labels == c] == c).mean() for c in np.unique(labels)) >= LEAK_AGREEMENT


def _cut_separates(series: pd.Series, labels: np.ndarray) -> bool:
    """Rule 2: some threshold gets >= 99 % of each class right, 1s above it or 1s below it."""
    known = series.notna().to_numpy()
    if series.dtype.kind not in "iuf" or known.sum() < CUT_MIN_ROWS:
        return False
    if series.nunique() <= CATEGORY_MAX_VALUES:
        return False
    values = series.to_numpy(dtype=float)[known]
    order = np.argsort(values, kind="stable")
    values, ranked = values[order], labels[known][order]
    ones, zeros = ranked.sum(), len(ranked) - ranked.sum()
    if not ones or not zeros:
        return False
    cuts = np.flatnonzero(values[:-1] < values[1:])  # cut after position i, between distinct values
    ones_below = np.cumsum(ranked)[cuts] / ones
    zeros_below = np.cumsum(1 - ranked)[cuts] / zeros
    ones_above = np.minimum(zeros_below, 1 - ones_below).max()
    ones_under = np.minimum(ones_below, 1 - zeros_below).max()
    return max(ones_above, ones_under) >= LEAK_AGREEMENT


def _named_like(column: str, target: str) -> bool:
    """True when ``column`` contains ``target`` as a whole word and is not the target itself."""
    pattern = rf"(^|{_WORD_BREAK}){re.escape(target.lower())}($|{_WORD_BREAK})"
    return column.lower() != target.lower() and re.search(pattern, column.lower()) is not None
