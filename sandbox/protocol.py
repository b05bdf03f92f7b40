"""Host side of the runner protocol: encode the request, decode and check the one result frame.

The runner (``sandbox/runner.py``) holds the other side; the format is described in its docstring.
Only JSON crosses the boundary (never pickles), and the result is checked against what was sent:
the frame comes from a process that ran untrusted code, so it is data to validate, not to believe.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import struct
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sandbox.results import ExecutionResult, OutcomeKind

HEADER = struct.Struct(">Q")
MESSAGE_CHARS = 500
DETAIL_CHARS = 8000
RUNNER_KINDS = frozenset(
    {
        OutcomeKind.OK,
        OutcomeKind.SYNTAX_ERROR,
        OutcomeKind.CONTRACT_ERROR,
        OutcomeKind.IMPORT_ERROR,
        OutcomeKind.RUNTIME_ERROR,
        OutcomeKind.INVALID_OUTPUT,
        OutcomeKind.MEMORY_LIMIT,
        OutcomeKind.PROCESS_LIMIT,
        OutcomeKind.SANDBOX_ERROR,
    }
)


class ProtocolError(ValueError):
    """The result frame is missing or does not match the request (reported as a crash)."""


def _jsonable(value: object) -> object:
    """JSON form of the cell values ``json`` cannot encode itself (missing values become null)."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def _column_name(name: object) -> object:
    return name if isinstance(name, (str, int, float, bool)) else str(name)


def encode_request(code: str, frames: Mapping[str, pd.DataFrame]) -> bytes:
    """The runner's request: source plus feature frames, column by column (floats round-trip via repr).

    Columns, not rows: a numeric column becomes a list in one C call and the runner builds each column
    in one step (100,000 rows x 8 columns: encoding 0.64 -> 0.40 s, the runner's decoding 0.31 -> 0.21 s).
    Columns go by position, so duplicate or non-string names survive.
    """
    spec = {
        str(name): {
            "columns": [_column_name(c) for c in df.columns],
            "dtypes": [str(t) for t in df.dtypes],
            "rows": len(df),
            "data": [_column_values(df.iloc[:, i]) for i in range(df.shape[1])],
        }
        for name, df in frames.items()
    }
    return json.dumps({"code": code, "frames": spec}, default=_jsonable).encode("utf-8")


def _column_values(series: pd.Series) -> list[object]:
    """Plain numeric columns convert in C; anything else cell by cell (``_jsonable`` handles the rest)."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf":
        return series.to_numpy().tolist()
    return series.to_numpy(dtype=object).tolist()


def _predictions(raw: object, expected: Mapping[str, int]) -> dict[str, list[float]]:
    if not isinstance(raw, dict) or set(raw) != set(expected):
        raise ProtocolError(f"result frame's predictions do not match the frames sent {sorted(expected)}")
    out = {}
    for name, n in expected.items():
        values = raw[name]
        if not isinstance(values, list) or len(values) != n:
            raise ProtocolError(f"result frame has a malformed prediction list for frame {name!r}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ProtocolError(f"result frame has non-numeric predictions for frame {name!r}")
        out[name] = [float(v) for v in values]
    return out


def decode_result(stdout: bytes, expected: Mapping[str, int]) -> ExecutionResult:
    """Parse the container's stdout, which must be exactly one frame (``expected``: rows per frame).

    NaN and infinities are kept as floats: the host's gates decide what they mean.
    """
    if len(stdout) < HEADER.size:
        raise ProtocolError("no result frame")
    (size,) = HEADER.unpack_from(stdout)
    if size != len(stdout) - HEADER.size:
        raise ProtocolError(f"result frame announces {size} bytes but {len(stdout) - HEADER.size} arrived")
    try:
        frame = json.loads(stdout[HEADER.size :])
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"result frame is not valid JSON: {exc}") from None
    if not isinstance(frame, dict) or frame.get("kind") not in RUNNER_KINDS:
        raise ProtocolError("result frame has no known outcome kind")
    kind = OutcomeKind(frame["kind"])
    message, detail = frame.get("message", ""), frame.get("detail", "")
    if not isinstance(message, str) or not isinstance(detail, str):
        raise ProtocolError("result frame has a non-text message or detail")
    predictions = _predictions(frame.get("predictions"), expected) if kind is OutcomeKind.OK else {}
    return ExecutionResult(kind, predictions, message[:MESSAGE_CHARS], detail[-DETAIL_CHARS:])
