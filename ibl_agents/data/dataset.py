"""Loading a labeled table and checking it can carry an IBL run.

Every problem the user can fix is a ``DataError`` whose message names the problem and the fix. The task
(binary, multiclass or regression) is resolved from the target column by ``ibl_agents.data.target``.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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
    suffix = path.suffix.lower()
    if suffix in OTHER_FORMATS:
        raise DataError(f"{path} is {OTHER_FORMATS[suffix]}, which is not read; {CONVERT_HINT}")
    _check_content_matches_suffix(path, suffix)
    try:
        frame = pd.read_parquet(path) if suffix in PARQUET_SUFFIXES else pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path} is empty: it needs a header row and labeled rows") from exc
    except UnicodeDecodeError as exc:
        encoding = "utf-16" if exc.object[:2] in UTF16_BOMS else "latin1"
        raise DataError(
            f"cannot read {path}: it is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start});"
            f" save it as UTF-8 (e.g. iconv -f {encoding} -t utf-8 {shlex.quote(str(path))} > utf8.csv)"
        ) from exc
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {path} as {_kind(path)}: {first}{_separator_hint(path)}") from exc
    if suffix not in PARQUET_SUFFIXES:
        _check_header(path, frame)
    return frame


OTHER_FORMATS = {
    ".xlsx": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".json": "JSON",
    ".jsonl": "JSON lines",
    ".feather": "a Feather file",
}
CONVERT_HINT = (
    "save it as CSV or Parquet (pandas: pd.read_excel(...) or pd.read_json(...), then .to_csv(...))"
)


PARQUET_SUFFIXES = (".parquet", ".pq")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")  # pandas decompresses these itself
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What a file's first bytes say it is, and the suffixes under which that is expected: a renamed or
# compressed file would otherwise read as "no rows" or a parse error about fields.
SIGNATURES = {
    b"PAR1": ("a Parquet file", "name it .parquet", PARQUET_SUFFIXES),
    b"\x1f\x8b": (
        "gzip-compressed",
        "name it .csv.gz (it is then read as it is) or gunzip it",
        COMPRESSED_SUFFIXES,
    ),
    b"PK\x03\x04": ("a zip archive (an Excel workbook, most likely)", CONVERT_HINT, COMPRESSED_SUFFIXES),
}


def _check_content_matches_suffix(path: Path, suffix: str) -> None:
    with path.open("rb") as handle:
        head = handle.read(4096)
    for signature, (what, fix, expected) in SIGNATURES.items():
        if head.startswith(signature) and suffix not in expected:
            raise DataError(f"{path} is {what}, not CSV text; {fix}")
    binary_allowed = PARQUET_SUFFIXES + COMPRESSED_SUFFIXES
    if suffix not in binary_allowed and b"\x00" in head and head[:2] not in UTF16_BOMS:
        raise DataError(f"{path} holds binary data (NUL bytes), not CSV text; pass a CSV or Parquet file")


def _separator_hint(path: Path) -> str:
    """A hint when the header reads as one column holding semicolons or tabs."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        header = handle.readline()
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if separator in header and "," not in header:
            return f"; the header is separated by {name}: save the file comma-separated"
    return ""


def _check_header(path: Path, frame: pd.DataFrame) -> None:
    """Refuse what pandas would silently rename: a repeated name (``x1`` and ``x1.1``), an empty one
    (``Unnamed: 0``, often a saved index), or one separated by semicolons or tabs; and a name holding a
    line break or control character, which would break the prompt's and the terminal's lines."""
    with path.open(encoding="utf-8-sig", newline="") as handle:  # -sig: as pandas, drop a leading BOM
        names = next(csv.reader(handle), [])
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"{path} repeats the column name(s) {', '.join(map(repr, repeated))}; give each column a name"
            " of its own"
        )
    if any(not name.strip() for name in names):
        position = next(i for i, name in enumerate(names) if not name.strip()) + 1
        raise DataError(
            f"{path}: column {position} has no name (a saved row index, most likely); name it, or drop it"
            f" from the file (pandas: to_csv(..., index=False))"
        )
    if len(frame.columns) == 1:
        hint = _separator_hint(path)
        if hint:
            raise DataError(f"{path} reads as one column{hint}")
    broken = next((name for name in names if any(not char.isprintable() for char in name)), None)
    if broken is not None:
        raise DataError(
            f"{path}: the column name {broken!r} holds a line break or control character; rename it (a"
            " name is written into prompts and code)"
        )


def _kind(path: Path) -> str:
    return "Parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "CSV"


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
        raise DataError(
            f"target column {target!r} not in {source}{_did_you_mean(target, frame)}; columns are:"
            f" {_columns(frame)}"
        )
    missing = [c for c in drop_columns or [] if c not in frame.columns]
    if missing:
        raise DataError(f"--drop-columns names unknown column(s) {missing}; columns are: {_columns(frame)}")
    if target in (drop_columns or []):
        raise DataError(f"--drop-columns names the target {target!r}; drop only features")
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
    _reject_empty(features)
    _reject_free_text(features)
    _reject_infinite(features)
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


def _reject_empty(features: pd.DataFrame) -> None:
    """A column with no value in any row tells the model nothing, and its statistics are NaN."""
    empty = [str(column) for column in features.columns if features[column].isna().all()]
    if empty:
        raise DataError(
            f"column(s) {', '.join(map(repr, empty))} hold no value in any row; drop them with"
            f" {' '.join(f'--drop-columns {shlex.quote(name)}' for name in empty)}"
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


def _reject_infinite(features: pd.DataFrame) -> None:
    """Infinite values break every baseline and most code models' arithmetic: refused before any model
    call (they used to end a run after all its calls, with no summary)."""
    numeric = features.select_dtypes(include="number")
    infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        index = int(np.flatnonzero(infinite.any(axis=0))[0])
        column, rows = numeric.columns[index], int(infinite[:, index].sum())
        raise DataError(
            f"column {str(column)!r} holds inf or -inf in {rows} row(s); replace them (an empty cell is read"
            f" as missing) or drop the column with --drop-columns {shlex.quote(str(column))}"
        )


def _did_you_mean(name: str, frame: pd.DataFrame) -> str:
    """``; did you mean 'Survived'?`` for a misspelt, wrong-case or space-padded column name."""
    names = [str(c) for c in frame.columns]
    folded = {n.strip().casefold(): n for n in names}
    close = folded.get(name.strip().casefold())
    if close is None:
        matches = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        close = matches[0] if matches else None
    return f"; did you mean {close!r}?" if close is not None else ""


def _columns(frame: pd.DataFrame) -> str:
    """The column names quoted, so a trailing space or an empty name is visible."""
    names = [repr(str(c)) for c in frame.columns]
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
