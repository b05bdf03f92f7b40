"""Loading a labeled table and checking it can carry an IBL run.

Every problem the user can fix is a ``DataError`` whose message names the problem and the fix. The task
(binary, multiclass or regression) is resolved from the target column by ``ibl_agents.data.target``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ibl_agents.data.target import encode_target
from ibl_agents.errors import DataError
from ibl_agents.tasks import AUTO, TaskType

FREE_TEXT_MIN_DISTINCT = 30  # an object column with more distinct values than this ...
FREE_TEXT_MIN_RATIO = 0.5  # ... that are mostly unique is free text a prompt cannot carry


@dataclass(frozen=True)
class Dataset:
    """A validated table: features, the encoded target, and where it came from.

    ``y`` is aligned with ``frame``: the class index into ``classes`` (binary: 0 = negative, 1 = positive;
    multiclass: labels sorted as text) or, for regression, the float target.
    """

    frame: pd.DataFrame  # feature columns only
    y: pd.Series
    target: str
    classes: tuple[str, ...]  # original label of each class index; () for regression
    source: str  # file path or "<DataFrame>"
    sha256: str  # of the file bytes, or of the frame's CSV form
    task: TaskType = "binary"
    task_reason: str = ""  # how the task was chosen (the auto rule as it applied), for the run header

    @property
    def features(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def positive_label(self) -> str:
        """Binary only: the original label encoded as 1."""
        return self._binary_classes()[1]

    @property
    def negative_label(self) -> str:
        """Binary only: the original label encoded as 0."""
        return self._binary_classes()[0]

    def _binary_classes(self) -> tuple[str, ...]:
        if self.task != "binary":
            raise ValueError(f"a {self.task} dataset has no positive/negative label; use `classes`")
        return self.classes


def read_table(path: Path) -> pd.DataFrame:
    """Read CSV or Parquet by suffix; every failure becomes a DataError naming the file."""
    if not path.exists():
        raise DataError(f"data file not found: {path} (check the path, or run from the project directory)")
    if not path.is_file():
        raise DataError(f"{path} is not a file; pass a CSV or Parquet file")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path} is empty: it needs a header row and labeled rows") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {path} as {_kind(path)}: {first}") from exc
    return frame


def _kind(path: Path) -> str:
    return "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def prepare_dataset(
    frame: pd.DataFrame,
    target: str,
    *,
    source: str,
    sha256: str,
    drop_columns: list[str] | None = None,
    task: str = AUTO,
) -> Dataset:
    """Validate a raw table and split it into features and the target encoded for ``task`` (or ``auto``)."""
    if frame.empty or len(frame.columns) == 0:
        raise DataError(f"{source} has no rows; IBL needs labeled rows to learn from")
    if not target:
        raise DataError(f"no target column given; pass --target with one of: {_columns(frame)}")
    if target not in frame.columns:
        raise DataError(f"target column {target!r} not in {source}; columns are: {_columns(frame)}")
    missing = [c for c in drop_columns or [] if c not in frame.columns]
    if missing:
        raise DataError(f"--drop-columns names unknown column(s) {missing}; columns are: {_columns(frame)}")
    frame = frame.drop(columns=list(drop_columns or [])).reset_index(drop=True)
    labels = frame[target]
    if labels.isna().any():
        raise DataError(
            f"target column {target!r} has {int(labels.isna().sum())} missing value(s); drop those rows first"
        )
    encoded = encode_target(labels, target, task)
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise DataError(f"{source} has no feature columns besides the target {target!r}")
    _reject_free_text(features)
    return Dataset(
        frame=features,
        y=encoded.y,
        target=target,
        classes=encoded.classes,
        source=source,
        sha256=sha256,
        task=encoded.task,
        task_reason=encoded.reason,
    )


def _reject_free_text(features: pd.DataFrame) -> None:
    for column in features.columns:
        series = features[column]
        if series.dtype.kind in "biufcmMb":
            continue
        distinct = series.nunique(dropna=True)
        non_null = max(int(series.notna().sum()), 1)
        if distinct > FREE_TEXT_MIN_DISTINCT and distinct / non_null > FREE_TEXT_MIN_RATIO:
            raise DataError(
                f"column {column!r} is free text ({distinct} distinct values in {non_null} rows) that a"
                f" prompt cannot carry; drop it with --drop-columns {column} or encode it as numbers first"
            )


def _columns(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns]
    return ", ".join(names[:30]) + (" ..." if len(names) > 30 else "")


def load_dataset(
    source: Path | pd.DataFrame, target: str, drop_columns: list[str] | None = None, task: str = AUTO
) -> Dataset:
    """Load a CSV/Parquet path or an in-memory DataFrame and validate it for ``task`` (``auto``: see
    ``ibl_agents.data.target``)."""
    if isinstance(source, pd.DataFrame):
        return prepare_dataset(
            source.copy(),
            target,
            source="<DataFrame>",
            sha256=frame_sha256(source),
            drop_columns=drop_columns,
            task=task,
        )
    path = Path(source)
    frame = read_table(path)
    return prepare_dataset(
        frame, target, source=str(path), sha256=file_sha256(path), drop_columns=drop_columns, task=task
    )
