"""The runner protocol, driven through the standalone runner on the host (no Docker needed)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sandbox.protocol import HEADER, ProtocolError, decode_result, encode_request
from sandbox.results import OutcomeKind
from tests.sandbox.support import FRAME

RUNNER = Path(__file__).resolve().parents[2] / "sandbox" / "runner.py"


def run_runner(code: str, frames: dict[str, pd.DataFrame] | None = None) -> tuple[int, bytes]:
    request = encode_request(code, frames or {"v": FRAME})
    proc = subprocess.run([sys.executable, "-I", str(RUNNER)], input=request, capture_output=True, timeout=60)
    return proc.returncode, proc.stdout


def frame(payload: dict) -> bytes:
    data = json.dumps(payload).encode()
    return HEADER.pack(len(data)) + data


def test_runner_writes_exactly_one_frame_even_when_the_model_prints() -> None:
    status, stdout = run_runner("def predict(df):\n    print('noise')\n    return df['x'] * 2\n")
    assert status == 0
    result = decode_result(stdout, {"v": 5})
    assert result.kind is OutcomeKind.OK and result.predictions == {"v": [1.0, 3.0, -4.0, 6.5, 0.0]}


def test_columns_travel_by_position_and_rows_survive_without_columns() -> None:
    """Duplicate and non-string names, nullable and string columns, and a frame with rows but no columns."""
    odd = pd.DataFrame([[1, "a", None], [2, None, 3]], columns=["x", "x", 7]).astype({7: "Int64"})
    code = """
def predict(df):
    if df.shape[1] == 0:
        return [-1.0] * len(df)
    assert list(df.columns) == ["x", "x", 7] and str(df[7].dtype) == "Int64", (list(df.columns), df.dtypes)
    return df.iloc[:, 0] * 10 + df.iloc[:, 1].isna() + df[7].fillna(0).astype(float)
"""
    status, stdout = run_runner(code, {"odd": odd, "empty": pd.DataFrame(index=range(3))})
    assert status == 0
    result = decode_result(stdout, {"odd": 2, "empty": 3})
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions == {"odd": [10.0, 24.0], "empty": [-1.0, -1.0, -1.0]}


def test_runner_is_standalone() -> None:
    source = RUNNER.read_text()
    assert "import sandbox" not in source and "from sandbox" not in source and "ibl_agents" not in source


@pytest.mark.parametrize(
    ("stdout", "error"),
    [
        (b"", "no result frame"),
        (struct.pack(">Q", 99) + b"{}", "announces 99 bytes"),
        (frame({"kind": "ok", "predictions": {"v": [1.0]}}), "malformed prediction list"),
        (frame({"kind": "ok", "predictions": {"other": [1.0] * 5}}), "do not match"),
        (frame({"kind": "ok", "predictions": {"v": ["1"] * 5}}), "non-numeric"),
        (frame({"kind": "pwned"}), "no known outcome kind"),
        (HEADER.pack(2000) + b"[" * 1000 + b"]" * 1000, "not valid JSON"),
    ],
)
def test_decode_rejects_frames_that_do_not_match_the_request(stdout: bytes, error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        decode_result(stdout, {"v": 5})
