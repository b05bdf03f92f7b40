"""Seeded three-way splits: train rows (may reach the LLM), validation folds, locked test.

Only train rows ever appear in a prompt or in feedback. Validation folds decide acceptance and stopping,
and only their aggregate metrics reach the LLM. The locked test split is scored for the report only.
Indices are positions in the dataset's frame and are written to the run's manifest.

Classification splits are stratified by class. A regression target has no classes: its splits and folds
are plain seeded shuffles (``stratify=False``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from ibl_agents.errors import DataError


@dataclass(frozen=True)
class Splits:
    train: list[int]
    folds: list[list[int]]
    test: list[int]

    @property
    def validation(self) -> list[int]:
        return [i for fold in self.folds for i in fold]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def make_splits(
    y: pd.Series,
    *,
    seed: int,
    n_folds: int,
    test_fraction: float,
    train_fraction: float,
    fixed_test: list[int] | None = None,
    train_rows: int | None = None,
    stratify: bool = True,
) -> Splits:
    """Split row positions of ``y`` (class indices, or any numbers with ``stratify=False``).

    ``fixed_test`` pins the locked test rows (``--test FILE``). ``test_fraction`` 0 means no locked test
    split (the sklearn estimators: sklearn's own cross-validation holds rows out). ``train_rows`` takes
    exactly the first N remaining rows in file order as train rows, as in the IBL paper; otherwise a
    seeded share, stratified by class unless ``stratify`` is off.
    """
    positions = np.arange(len(y))
    if fixed_test is not None:
        test = np.asarray(sorted(fixed_test), dtype=int)
        rest = np.setdiff1d(positions, test)
    elif test_fraction == 0:
        test, rest = np.asarray([], dtype=int), positions
    else:
        rest, test = _carve(positions, y, test_fraction, seed, "locked test", stratify)
    if train_rows is not None:
        if train_rows >= len(rest):
            raise DataError(
                f"--train-rows {train_rows} leaves no validation rows ({len(rest)} non-test rows);"
                f" use at most {len(rest) - 2}"
            )
        train, validation = np.sort(rest)[:train_rows], np.sort(rest)[train_rows:]
    else:
        train, validation = _carve(rest, y, 1 - train_fraction, seed + 1, "validation", stratify)
    what = "class" if stratify else "target value"
    _require_two_values(y, train, "train rows (shown to the LLM)", what)
    _require_two_values(y, validation, "validation rows", what)
    return Splits(
        train=sorted(int(i) for i in train),
        folds=_folds(validation, y, n_folds, seed, stratify),
        test=sorted(int(i) for i in test),
    )


def _carve(
    positions: np.ndarray, y: pd.Series, fraction: float, seed: int, what: str, stratify: bool
) -> tuple[np.ndarray, np.ndarray]:
    labels = y.to_numpy()[positions] if stratify else None
    if labels is not None and np.bincount(labels, minlength=2).min() < 2:
        raise DataError(f"too few rows of one class to carve out {what} rows; add rows of the rarer class")
    try:
        kept, carved = train_test_split(positions, test_size=fraction, random_state=seed, stratify=labels)
    except ValueError as exc:
        raise DataError(
            f"{len(positions)} rows are too few to carve out {what} rows ({exc}); add rows, or pass --test"
            " with a test file of its own"
        ) from exc
    return np.asarray(kept), np.asarray(carved)


def _folds(validation: np.ndarray, y: pd.Series, n_folds: int, seed: int, stratify: bool) -> list[list[int]]:
    labels = y.to_numpy()[validation]
    counts = np.bincount(labels) if stratify else np.array([len(validation) // 2])
    largest_k = int(counts[counts > 0].min())  # every class present needs a row in every fold
    k = max(1, min(n_folds, largest_k))
    if k == 1:
        return [sorted(int(i) for i in validation)]
    splitter = (
        StratifiedKFold(k, shuffle=True, random_state=seed)
        if stratify
        else KFold(k, shuffle=True, random_state=seed)
    )
    return [sorted(int(validation[i]) for i in held) for _, held in splitter.split(validation, labels)]


def _require_two_values(y: pd.Series, rows: np.ndarray, what: str, value: str) -> None:
    present = set(y.to_numpy()[rows].tolist())
    if len(present) < 2:
        raise DataError(
            f"the {what} hold a single {value}; with --train-rows the first rows of the file are used, so"
            " shuffle the file or show more rows"
        )
