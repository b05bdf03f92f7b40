"""From config to a validated, audited, split dataset plus its manifest (what the run saw, exactly)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ibl_agents.config import DataConfig
from ibl_agents.data.audit import AuditReport, audit
from ibl_agents.data.dataset import Dataset, file_sha256, load_dataset, read_table
from ibl_agents.data.splits import Splits, make_splits
from ibl_agents.errors import DataError


@dataclass
class PreparedData:
    dataset: Dataset
    splits: Splits
    audit: AuditReport
    dropped_leaks: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def prepare_data(config: DataConfig, frame: pd.DataFrame | None = None) -> PreparedData:
    """Load the table (and the ``--test`` file), audit it, and split it by the config's seed."""
    source: Path | pd.DataFrame = frame if frame is not None else Path(config.path)
    if frame is None and not config.path:
        raise DataError("no data given: pass a CSV or Parquet file (ibl run data.csv --target y)")
    fixed_test = None
    if config.test_path:
        source, fixed_test = _with_test_file(source, Path(config.test_path), config.target)
    dataset = load_dataset(source, config.target, config.drop_columns, config.task)
    report = audit(dataset.frame, dataset.y, dataset.task)
    dropped: list[str] = []
    if config.drop_leaks and report.leaks:
        dropped = list(report.leaks)
        dataset = replace(dataset, frame=dataset.frame.drop(columns=dropped))
    splits = make_splits(
        dataset.y,
        seed=config.seed,
        n_folds=config.n_folds,
        test_fraction=config.test_fraction,
        train_fraction=config.train_fraction,
        fixed_test=fixed_test,
        train_rows=config.train_rows,
        stratify=dataset.task != "regression",
    )
    _check_test_rows(dataset, splits, config.test_path, report)
    manifest = {
        "source": config.path or dataset.source,
        "sha256": file_sha256(Path(config.path)) if config.path else dataset.sha256,
        "test_source": config.test_path,
        "test_sha256": file_sha256(Path(config.test_path)) if config.test_path else None,
        "target": dataset.target,
        "task": dataset.task,
        "task_reason": dataset.task_reason,
        "classes": list(dataset.classes),  # class index -> label; [] for regression
        "positive_label": dataset.positive_label if dataset.task == "binary" else None,
        "features": dataset.features,
        "dropped_leaks": dropped,
        "rows": len(dataset.y),
        "splits": splits.to_json(),
        "audit": report.to_json(),
    }
    return PreparedData(dataset, splits, report, dropped, manifest)


def _with_test_file(
    source: Path | pd.DataFrame, test_path: Path, target: str
) -> tuple[pd.DataFrame, list[int]]:
    """Append the locked test file's rows after the main table's; their positions form the test split."""
    main = source if isinstance(source, pd.DataFrame) else read_table(source)
    test = read_table(test_path)
    if list(test.columns) != list(main.columns):
        missing = sorted(set(main.columns) - set(test.columns))
        extra = sorted(set(test.columns) - set(main.columns))
        raise DataError(
            f"--test file {test_path} has different columns (missing {missing}, extra {extra});"
            " it must have the same header as the training file"
        )
    if test.empty:
        raise DataError(f"--test file {test_path} has no rows")
    combined = pd.concat([main, test], ignore_index=True)
    return combined, list(range(len(main), len(combined)))


def _check_test_rows(dataset: Dataset, splits: Splits, test_path: str | None, report: AuditReport) -> None:
    """Locked test rows that cannot be scored are refused (one class: AUC and macro-F1 are undefined,
    the metrics came out ``nan`` with no word why); test rows that repeat train rows are warned about."""
    if not splits.test:
        return
    where = f"the --test file {test_path}" if test_path else "the locked test split"
    if dataset.task != "regression":
        present = sorted(set(dataset.y.iloc[splits.test].tolist()))
        if len(present) < 2:
            label = dataset.classes[present[0]] if present else "none"
            raise DataError(
                f"{where} holds only the class {label!r}; its metrics need every class: use test rows of"
                " both classes (or drop --test to split the file)"
            )
    rows = pd.concat([dataset.frame, pd.Series(dataset.y.to_numpy(), name="\0y")], axis=1)
    train = set(map(tuple, rows.iloc[splits.train].astype(str).to_numpy().tolist()))
    repeats = sum(tuple(row) in train for row in rows.iloc[splits.test].astype(str).to_numpy().tolist())
    report.test_repeats_train = repeats
