"""How cells pool into the report's rows: one row per (dataset, train size, model, strategy).

Split seeds pool into that row: each (seed, replicate) is one observation, and paired comparisons pair
observations with the same seed and replicate. Rows follow the config's order (datasets as planned, train
sizes ascending, models and strategies as listed), so a table reads like the config.
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


def paired(
    cells: list[CellRecord], others: list[CellRecord]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Test metrics of the observations both lists hold, lined up by (seed, replicate)."""
    theirs = {cell.replicate_key: cell for cell in others}
    shared = [cell for cell in cells if cell.replicate_key in theirs]
    return [cell.test for cell in shared], [theirs[cell.replicate_key].test for cell in shared]


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
