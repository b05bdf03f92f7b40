"""Published results of an earlier study, printed beside ours in the experiment report.

A dataset entry of an experiment config may carry ``published:`` in one of two forms:

- ``outcomes: FILE``, per-trial outcomes in the layout of the IBL paper's raw results (a TSV with
  ``seed``, ``train_num``, ``status`` = SUCCEEDED/FAILED, ``acc``, ``auc``). They are summarized per seed
  and train size by ``stability.summarize_replicates``, the function that summarizes our cells, so both
  sides of the comparison are computed the same way;
- the summary figures as numbers, when only those were published: ``trials``, ``valid_rate``,
  ``auc_mean`` (of the models that ran), ``auc_failures_as_chance`` and optionally ``accuracy_mean``.
  They describe the whole dataset, so the report shows them only beside our whole-dataset row.

``label`` names the source in the report ("published" unless given).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ibl_agents.errors import ConfigError, DataError
from ibl_agents.replicates.summary import CHANCE_SCORE, summarize_replicates

OUTCOME_COLUMNS = ("seed", "train_num", "status", "acc", "auc")
FIGURES = ("trials", "valid_rate", "auc_mean", "auc_failures_as_chance", "accuracy_mean")
REQUIRED_FIGURES = FIGURES[:-1]  # papers do not always print accuracy
KEYS = ("label", "outcomes", *FIGURES)


@dataclass(frozen=True)
class PublishedFigures:
    label: str
    trials: int
    valid_rate: float
    auc_mean: float  # over the code models that ran
    auc_failures_as_chance: float
    accuracy_mean: float  # over the code models that ran


def check_published(value: Any, where: str, base_dir: Path) -> dict[str, Any] | None:
    """Validate a ``published:`` mapping; resolve its outcomes file against ``base_dir``."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(KEYS):
        unknown = sorted(set(value) - set(KEYS)) if isinstance(value, dict) else value
        raise ConfigError(f"{where}.published: unknown key(s) {unknown}; allowed: {', '.join(KEYS)}")
    if ("outcomes" in value) == any(key in value for key in FIGURES):
        raise ConfigError(
            f"{where}.published needs either `outcomes: FILE` (per-trial results) or the figures"
            f" {', '.join(FIGURES)}, not both"
        )
    if "outcomes" not in value:
        missing = [key for key in REQUIRED_FIGURES if key not in value]
        if missing:
            raise ConfigError(f"{where}.published lacks {', '.join(missing)}")
        return dict(value)
    path = (base_dir / str(value["outcomes"])).resolve()
    if not path.is_file():
        raise ConfigError(f"{where}.published.outcomes: file not found: {path}")
    return {**value, "outcomes": str(path)}


def published_figures(
    published: dict[str, Any], seeds: Collection[int | None] | None, train_rows: Collection[int | None] | None
) -> PublishedFigures | None:
    """The figures for the trials at these seeds and train sizes (None: every trial); None when the source
    has nothing for that scope."""
    label = str(published.get("label", "published"))
    if "outcomes" not in published:
        if seeds is not None or train_rows is not None:
            return None
        return PublishedFigures(label, *(published.get(key, math.nan) for key in FIGURES))
    trials = read_outcomes(Path(published["outcomes"]))
    if seeds is not None:
        trials = trials[trials["seed"].isin([s for s in seeds if s is not None])]
    if train_rows is not None:
        trials = trials[trials["train_num"].isin([n for n in train_rows if n is not None])]
    if trials.empty:
        return None
    metrics = [
        {"auc": row.auc, "accuracy": row.acc} if row.status == "SUCCEEDED" else None
        for row in trials.itertuples()
    ]
    ran, counted = summarize_replicates(metrics), summarize_replicates(metrics, failure_score=CHANCE_SCORE)
    return PublishedFigures(
        label,
        ran.replicates,
        ran.valid_rate,
        ran.metrics["auc"].mean,
        counted.metrics["auc"].mean,
        ran.metrics["accuracy"].mean,
    )


def read_outcomes(path: Path) -> pd.DataFrame:
    trials = pd.read_csv(path, sep="\t")
    missing = [column for column in OUTCOME_COLUMNS if column not in trials.columns]
    if missing:
        raise DataError(f"published outcomes {path} lack the column(s) {missing}; expected {OUTCOME_COLUMNS}")
    return trials
