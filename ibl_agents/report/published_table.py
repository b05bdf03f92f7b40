"""Published figures of an earlier study beside ours, on the same dataset and train sizes.

For each dataset whose config entry has ``published:``, one block of rows per train size (our split seeds
pooled, the published trials at the same seeds and size) and one for the whole dataset: the published row
first, then ours per (model, strategy), all computed as ``ibl_agents/replicates/published.py`` explains.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ibl_agents.replicates.published import PublishedFigures, published_figures
from ibl_agents.replicates.summary import CHANCE_SCORE, summarize_replicates
from ibl_agents.report.cells import CellRecord, ExperimentRecords

ALL = "all"


def published_table(records: ExperimentRecords) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for dataset, published in records.description["published"].items():
        cells = [cell for cell in records.cells if cell.dataset == dataset]
        seeds = sorted({cell.seed for cell in cells if cell.seed is not None}) or None
        sizes = sorted({cell.train_rows for cell in cells}, key=lambda n: n or 0)
        for size in [*sizes, ALL]:
            scope = [cell for cell in cells if size == ALL or cell.train_rows == size]
            figures = (
                published_figures(published, None, None)
                if size == ALL
                else published_figures(published, seeds, [size])
                if seeds
                else None
            )
            head = {"dataset": dataset, "n_train": size}
            if figures is not None:
                rows.append({**head, **_published_row(figures)})
            rows.extend({**head, **_our_row(group)} for group in _by_model_and_strategy(scope))
    return pd.DataFrame(rows)


def _published_row(figures: PublishedFigures) -> dict[str, Any]:
    return {
        "source": figures.label,
        "trials": figures.trials,
        "valid_rate": figures.valid_rate,
        "auc_mean": figures.auc_mean,
        "auc_failures_as_chance": figures.auc_failures_as_chance,
        "accuracy_mean": figures.accuracy_mean,
    }


def _our_row(cells: list[CellRecord]) -> dict[str, Any]:
    tests = [cell.test for cell in cells]
    ran, counted = summarize_replicates(tests), summarize_replicates(tests, failure_score=CHANCE_SCORE)
    return {
        "source": f"{cells[0].model} / {cells[0].strategy}",
        "trials": ran.replicates,
        "valid_rate": ran.valid_rate,
        "auc_mean": ran.metrics["auc"].mean,
        "auc_failures_as_chance": counted.metrics["auc"].mean,
        "accuracy_mean": ran.metrics["accuracy"].mean,
    }


def _by_model_and_strategy(cells: list[CellRecord]) -> list[list[CellRecord]]:
    groups: dict[tuple[str, str], list[CellRecord]] = {}
    for cell in cells:
        groups.setdefault((cell.model, cell.strategy), []).append(cell)
    return list(groups.values())
