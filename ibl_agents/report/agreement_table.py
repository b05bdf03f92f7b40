"""Do the replicates of one row write the same program? Prediction agreement and columns read.

Measures come from ``agreement`` (label agreement, score correlation on the locked-test rows, Jaccard
overlap of the columns each program reads, found by ``columns_used``, which does not count the keys of the
prompt's constants). Only replicates with a valid model have a program to compare, and two programs can
only be compared on the same test rows, so each measure is taken per split seed and then averaged over
seeds. Multiclass programs agree on a row when they pick the same most probable class (their probability
rows have no single score to correlate); regression programs have no labels, only the correlation of their
numbers.
"""

from __future__ import annotations

import math

import pandas as pd

from ibl_agents.codemodel.columns import columns_used
from ibl_agents.replicates.agreement import (
    class_agreement,
    column_overlap,
    label_agreement,
    score_correlation,
)
from ibl_agents.replicates.summary import describe
from ibl_agents.report.cells import CellRecord, ExperimentRecords
from ibl_agents.report.grouping import grouped, key_columns


def agreement_table(records: ExperimentRecords) -> pd.DataFrame:
    rows = []
    for key, cells in grouped(records):
        by_seed: dict[int | None, list[CellRecord]] = {}
        for cell in cells:
            if cell.test and cell.predictions and cell.predictions.get("best") is not None:
                by_seed.setdefault(cell.seed, []).append(cell)
        labels, correlations, overlaps = [], [], []
        for programs in by_seed.values():
            scores = [cell.predictions["best"] for cell in programs if cell.predictions]
            task = programs[0].predictions.get("task", "binary") if programs[0].predictions else "binary"
            agreeing = class_agreement if task == "multiclass" else label_agreement
            labels.append(math.nan if task == "regression" else agreeing(scores))
            correlations.append(math.nan if task == "multiclass" else score_correlation(scores))
            overlaps.append(
                column_overlap([columns_used(cell.summary["best_code"], cell.features) for cell in programs])
            )
        rows.append(
            {
                **key_columns(key),
                "programs": sum(len(programs) for programs in by_seed.values()),
                "label_agreement": _mean_over_seeds(labels),
                "score_correlation": _mean_over_seeds(correlations),
                "column_overlap": _mean_over_seeds(overlaps),
            }
        )
    return pd.DataFrame(rows)


def _mean_over_seeds(values: list[float]) -> float:
    """Seeds with fewer than two programs have no pair (NaN) and do not count."""
    return describe([value for value in values if not math.isnan(value)]).mean
