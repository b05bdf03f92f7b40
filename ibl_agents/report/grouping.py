"""How cells pool into the report's rows: one row per (dataset, train size, model, strategy).

Split seeds pool into that row: each (seed, replicate) is one observation, and paired comparisons pair
observations with the same seed and replicate (``split_statistics`` then averages them within each seed
and takes the interval over seeds). Rows follow the config's order (datasets as planned, train sizes
ascending, models and strategies as listed), so a table reads like the config.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ibl_agents.report.cells import CellRecord, ExperimentRecords

GroupKey = tuple[str, int | None, str, str]  # dataset, train_rows, model, strategy
KEY_COLUMNS = ("dataset", "n_train", "model", "strategy")


def grouped(records: ExperimentRecords) -> list[tuple[GroupKey, list[CellRecord]]]:
    """Code-model cells by row; ICL cells are a baseline of their row's split and model (``icl_for``)."""
    groups: dict[GroupKey, list[CellRecord]] = {}
    for cell in records.cells:
        if cell.kind == "code":
            groups.setdefault((cell.dataset, cell.train_rows, cell.model, cell.strategy), []).append(cell)
    return sorted(groups.items(), key=lambda item: _order(records)(item[0]))


def icl_for(records: ExperimentRecords, key: GroupKey) -> list[CellRecord]:
    """The ICL cells of a row's dataset, train size and model (empty when the experiment has none)."""
    dataset, train_rows, model, _ = key
    return [
        cell
        for cell in records.cells
        if cell.kind == "icl" and (cell.dataset, cell.train_rows, cell.model) == (dataset, train_rows, model)
    ]


def key_columns(key: GroupKey) -> dict[str, Any]:
    return dict(zip(KEY_COLUMNS, key, strict=True))


def paired(cells: list[CellRecord], others: list[CellRecord]) -> list[tuple[CellRecord, CellRecord]]:
    """The cells both lists hold a (seed, replicate) of, lined up: the seed as well as the replicate
    number, since replicate 0 of two seeds ran on different rows."""
    theirs = {cell.replicate_key: cell for cell in others}
    return [(cell, theirs[cell.replicate_key]) for cell in cells if cell.replicate_key in theirs]


def _order(records: ExperimentRecords) -> Callable[[GroupKey], tuple[int, int, int, int]]:
    datasets = list(dict.fromkeys(cell.dataset for cell in records.cells))
    models, strategies = records.description["models"], records.description["strategies"]

    def rank(key: GroupKey) -> tuple[int, int, int, int]:
        dataset, train_rows, model, strategy = key
        return (
            datasets.index(dataset),
            train_rows or 0,
            models.index(model) if model in models else len(models),
            strategies.index(strategy) if strategy in strategies else len(strategies),
        )

    return rank
