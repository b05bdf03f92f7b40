"""The train rows a prompt showed, indexed by value as the prompt printed them, for ``memorisation``.

Values are compared as printed: the prompt writes floats with ``"%.4g"`` (``serialize.sample_rows``), so
a literal matches a value when both print the same to 4 significant digits: the prompt's ``211.3`` and the
file's ``211.3375`` both match a fare of 211.3375. Strings match exactly.

A literal equal to a value proves nothing when the value is a category code (``sex_female == 1`` is how
rules are written), so only *identifying* columns can show that a row was copied: columns with more than
``audit.CATEGORY_MAX_VALUES`` (10) distinct values in the dataset, the cut the audit uses to tell
categories from measurements (Titanic's ``age`` and ``fare``, both moons coordinates).

The statistics the prompt states about an identifying column (``train_statistics``: the per-class means
``MEAN_WHEN_1``/``MEAN_WHEN_0`` or ``MEAN_BY_CLASS``, the means and the spread) are *stated*, not
copied: a code model that writes them back uses the prompt, so they never count as a match, and a literal
not tied to a column is skipped when any column states it. (A mean of integer ages is often itself a train
age.) The min and max of the column description are not excluded: they are values of real rows, and
excluding them would hide copies of the extreme rows; copying needs two identifying values of one row,
which a range written back reproduces only when one row holds both extremes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ibl_agents.codemodel.literals import ColumnValue
from ibl_agents.data.audit import CATEGORY_MAX_VALUES
from ibl_agents.data.dataset import Dataset
from ibl_agents.prompts.constants import stated_statistics


def printed(value: object) -> str | None:
    """The form a value is compared in: strings as they are, numbers as ``"%.4g"``, None for NaN/other."""
    if isinstance(value, str):
        return value
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f"{number + 0.0:.4g}" if math.isfinite(number) else None


@dataclass(frozen=True)
class RowMatch:
    cells: frozenset[tuple[str, str]]  # (column, printed value) of the row's cells the literals reproduce
    identifying: int  # how many of those cells are in identifying columns

    @property
    def values(self) -> int:
        return len(self.cells)


class ShownRows:
    """Train rows (dataset positions, in the order given) with their printed values and labels (class
    indices; the numbers themselves for regression)."""

    def __init__(self, dataset: Dataset, train_rows: Sequence[int]) -> None:
        rows = [int(row) for row in train_rows]
        if not rows:
            raise ValueError("no train rows given: pass the dataset positions of the rows the prompt showed")
        outside = [row for row in rows if not 0 <= row < len(dataset.y)]
        if outside:
            raise ValueError(f"train rows {outside[:5]} are outside the dataset's {len(dataset.y)} rows")
        frame = dataset.frame.iloc[rows]
        self.rows = rows
        shown_y = dataset.y.iloc[rows]
        self.labels = (shown_y if dataset.task == "regression" else shown_y.astype(int)).tolist()
        self.n_features = len(dataset.features)
        distinct = dataset.frame.nunique()
        identifying = [column for column in dataset.features if distinct[column] > CATEGORY_MAX_VALUES]
        self.identifying_columns = identifying
        self.identifying = {str(column) for column in identifying}
        self.stated = _stated(frame[identifying], shown_y, dataset.task)
        self.cells: dict[tuple[str, str], list[int]] = defaultdict(list)  # (column, printed) -> rows
        self.columns_of: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        for column, series in frame.items():
            for row, value in zip(rows, series.tolist(), strict=True):
                text = printed(value)
                if text is not None:
                    self.cells[(str(column), text)].append(row)
                    self.columns_of[text][row].append(str(column))
        self.label_of = dict(zip(rows, self.labels, strict=True))

    def match(self, values: Iterable[ColumnValue]) -> dict[int, RowMatch]:
        """Rows that share at least one of ``values``; a value tied to a column matches in that column
        only, an untied one in any column (each written value matches one cell of a row, identifying
        cells first)."""
        cells: dict[int, set[tuple[str, str]]] = defaultdict(set)
        untied: Counter[str] = Counter()
        for column, value in values:
            text = printed(value)
            if text is None or (column, text) in self.stated:
                continue
            if column is None:
                untied[text] += 1
                continue
            for row in self.cells.get((column, text), []):
                cells[row].add((column, text))
        for text, written in untied.items():
            for row, columns in self.columns_of.get(text, {}).items():
                ranked = sorted(columns, key=lambda column: column not in self.identifying)
                cells[row].update((column, text) for column in ranked[:written])
        return {
            row: RowMatch(frozenset(found), sum(column in self.identifying for column, _ in found))
            for row, found in cells.items()
        }


def _stated(frame: pd.DataFrame, y: pd.Series, task: str) -> set[tuple[str | None, str]]:
    """(column, printed value) of every number the prompt states about ``frame``'s columns, each also
    under ``None`` (untied)."""
    stated: set[tuple[str | None, str]] = set()
    for summary in stated_statistics(frame, y, task):
        for column, value in summary.items():
            text = printed(value)
            if text is not None:
                stated.update({(str(column), text), (None, text)})
    return stated
