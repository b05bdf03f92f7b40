"""The runner protocol, driven through the standalone runner on the host (no Docker needed)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from sandbox.protocol import PREFIX, ProtocolError, decode_result, encode_request, frame_size
from sandbox.results import OutcomeKind
from tests.sandbox.support import FRAME, every_dtype

RUNNER = Path(__file__).resolve().parents[2] / "sandbox" / "runner.py"


def run_request(request: bytes) -> tuple[int, bytes]:
    proc = subprocess.run([sys.executable, "-I", str(RUNNER)], input=request, capture_output=True, timeout=60)
    return proc.returncode, proc.stdout


def run_runner(code: str, frames: dict[str, pd.DataFrame] | None = None) -> tuple[int, bytes]:
    return run_request(encode_request(code, frames or {"v": FRAME}))


def frame(payload: object, raw: bytes = b"") -> bytes:
    data = json.dumps(payload).encode()
    return PREFIX.pack(len(data), len(raw)) + data + raw


def floats(*values: float) -> bytes:
    return np.array(values, dtype="<f8").tobytes()


@pytest.fixture(scope="module")
def runner() -> ModuleType:
    """The runner as a module, to call its decoding directly (it never runs ``main`` on import)."""
    spec = importlib.util.spec_from_file_location("ibl_runner_under_test", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_dtype_round_trips_through_the_request(runner: ModuleType) -> None:
    """What the runner rebuilds equals what was sent: values, dtypes, names (duplicates too)."""
    # Categories travel as their values (as they always have), so an empty frame leaves "c" out.
    empty = every_dtype().iloc[:0].drop(columns="c")
    frames = {"all": every_dtype(), "empty": empty, "none": pd.DataFrame(index=range(3))}
    frames["dup"] = pd.DataFrame([[1.5, "a", 2], [2.5, None, 3]], columns=["x", "x", 7])
    request, body = runner.parse_request(encode_request("pass", frames))
    assert request["code"] == "pass"
    rebuilt = runner.load_frames(request["frames"], body)
    loose = {"check_index_type": False, "check_column_type": False}  # RangeIndex or not
    for name, sent in frames.items():
        pd.testing.assert_frame_equal(rebuilt[name], sent.reset_index(drop=True), **loose)


def test_numeric_columns_travel_raw_and_aligned_the_rest_as_json(runner: ModuleType) -> None:
    df = pd.DataFrame({"b": [True, False, True], "x": [1.0, 2.0, 3.0], "s": ["a", "b", "c"]})
    request = encode_request("pass", {"v": df})
    json_size, raw_size = PREFIX.unpack_from(request)
    header = json.loads(request[PREFIX.size : PREFIX.size + json_size])
    assert header["frames"]["v"]["data"] == [
        {"raw": "|b1", "offset": 0},
        {"raw": "<f8", "offset": 8},
        ["a", "b", "c"],
    ]
    assert raw_size == 8 + 24 and len(request) == PREFIX.size + json_size + raw_size
    parsed, body = runner.parse_request(request)
    rebuilt = runner.load_frames(parsed["frames"], body)["v"]
    rebuilt.iloc[0, 1] = 99.0  # the frames own their data: the model may write to them
    assert rebuilt["x"].tolist() == [99.0, 2.0, 3.0] and bytes(body[8:16]) == floats(1.0)


def test_runner_writes_exactly_one_frame_even_when_the_model_prints() -> None:
    status, stdout = run_runner("def predict(df):\n    print('noise')\n    return df['x'] * 2\n")
    assert status == 0 and frame_size(stdout) == len(stdout)
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


def test_a_model_that_drops_rows_in_place_is_held_to_the_rows_sent() -> None:
    code = "def predict(df):\n    df.drop(index=[0, 1], inplace=True)\n    return [0.5] * len(df)\n"
    result = decode_result(run_runner(code)[1], {"v": 5})
    assert result.kind is OutcomeKind.INVALID_OUTPUT and "returned 3 values, expected 5" in result.message


def test_nan_inf_and_negative_zero_come_back_as_floats() -> None:
    code = "def predict(df):\n    return [float('nan'), float('inf'), -float('inf'), -0.0, True]\n"
    result = decode_result(run_runner(code)[1], {"v": 5})
    values = result.predictions["v"]
    assert values[0] != values[0] and values[1:] == [float("inf"), float("-inf"), 0.0, 1.0]
    assert str(values[3]) == "-0.0" and all(type(v) is float for v in values)


@pytest.mark.parametrize(
    ("mangle", "error"),
    [
        (lambda r: r[:-1], "announces"),  # truncated raw section
        (lambda r: r + b"\0", "announces"),  # trailing bytes
        (lambda r: r[:10], "no prefix"),
        (lambda r: PREFIX.pack(1 << 40, 0) + r[PREFIX.size :], "announces"),  # announced larger than sent
    ],
)
def test_a_malformed_request_reported_from_inside_is_a_crash(mangle, error: str) -> None:
    """The host cannot tell the runner's report from a candidate's forged frame, so it is no
    infrastructure fault (those the host observes itself)."""
    status, stdout = run_request(
        mangle(encode_request("def predict(df):\n    return df['x']\n", {"v": FRAME}))
    )
    result = decode_result(stdout, {"v": 5})
    assert status == 0 and result.kind is OutcomeKind.CRASH
    assert "claimed an infrastructure fault" in result.message
    assert "bad request" in result.message and error in result.message


@pytest.mark.parametrize(
    ("column", "error"),
    [
        ({"raw": "|O", "offset": 0}, "raw column of dtype object"),
        ({"raw": "<f8", "offset": 8}, "buffer is smaller"),  # points past the raw section
    ],
)
def test_runner_refuses_raw_columns_it_cannot_wrap_safely(column: dict, error: str) -> None:
    spec = {"v": {"columns": ["x"], "dtypes": ["float64"], "rows": 1, "data": [column]}}
    status, stdout = run_request(frame({"code": "", "frames": spec}, floats(1.0)))
    result = decode_result(stdout, {"v": 1})
    assert status == 0 and result.kind is OutcomeKind.CRASH and error in result.message


def test_runner_is_standalone() -> None:
    source = RUNNER.read_text()
    assert "import sandbox" not in source and "from sandbox" not in source and "ibl_agents" not in source


def test_decode_accepts_a_well_formed_frame_and_reads_the_floats_in_the_listed_order() -> None:
    stdout = frame({"kind": "ok", "predictions": [["b", 1], ["a", 2]]}, floats(3.0, 1.0, 2.0))
    assert frame_size(stdout) == len(stdout) and frame_size(stdout[:15]) is None
    result = decode_result(stdout, {"a": 2, "b": 1})
    assert result.kind is OutcomeKind.OK and result.predictions == {"a": [1.0, 2.0], "b": [3.0]}


OK_V = {"kind": "ok", "predictions": [["v", 5]]}


@pytest.mark.parametrize(
    ("stdout", "error"),
    [
        (b"", "no result frame"),
        (PREFIX.pack(2, 0)[:12], "no result frame"),
        (PREFIX.pack(99, 0) + b"{}", "announces 99 bytes but 2 arrived"),
        (PREFIX.pack(2, 40) + b"{}" + floats(0.5), "announces 42 bytes but 10 arrived"),  # truncated buffer
        (frame(OK_V, floats(*[0.5] * 5))[:-3], "announces"),
        (frame(OK_V, floats(*[0.5] * 5)) + b"\0", "announces"),  # trailing bytes
        (PREFIX.pack(1 << 63, 1 << 63) + b"{}", "announces"),  # sizes that overflow 64 bits when added
        (frame(OK_V, floats(*[0.5] * 4)), "has 32 bytes of predictions, not 5 float64"),
        (frame(OK_V, floats(*[0.5] * 6)), "has 48 bytes of predictions, not 5 float64"),
        (frame(OK_V, floats(*[0.5] * 5) + b"\0"), "bytes of predictions"),  # not a whole float
        (
            frame({"kind": "ok", "predictions": [["v", 4]]}, floats(*[0.5] * 5)),
            "has 4 predictions for 'v', sent 5",
        ),
        (frame({"kind": "ok", "predictions": [["v", True]]}, floats(0.5)), "has True predictions"),
        (frame({"kind": "ok", "predictions": [["v", 5.0]]}, floats(*[0.5] * 5)), "has 5.0 predictions"),
        (frame({"kind": "ok", "predictions": [["other", 5]]}, floats(*[0.5] * 5)), "do not match"),
        (frame({"kind": "ok", "predictions": [["v", 5], ["v", 5]]}, floats(*[0.5] * 10)), "do not match"),
        (frame({"kind": "ok", "predictions": {"v": 5}}, floats(*[0.5] * 5)), "not a list of"),
        (frame({"kind": "ok", "predictions": {"v": [0.5] * 5}}), "not a list of"),  # the old JSON format
        (frame({"kind": "ok", "predictions": [[1, 5]]}, floats(*[0.5] * 5)), "not a list of"),
        (frame({"kind": "ok"}, floats(*[0.5] * 5)), "not a list of"),
        (frame({"kind": "runtime_error", "predictions": []}, floats(0.5)), "runtime_error outcome carries"),
        (frame({"kind": "runtime_error", "predictions": [["v", 5]]}), "runtime_error outcome carries"),
        (frame({"kind": "pwned"}), "no known outcome kind"),
        (frame({"kind": ["ok"]}), "no known outcome kind"),
        (frame(["ok"]), "no known outcome kind"),
        (frame({"kind": "runtime_error", "message": 3}), "non-text message"),
        (PREFIX.pack(2000, 0) + b"[" * 1000 + b"]" * 1000, "not valid JSON"),
        (PREFIX.pack(4, 0) + b"\xff\xfe{}", "not valid JSON"),
    ],
)
def test_decode_rejects_frames_that_do_not_match_the_request(stdout: bytes, error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        decode_result(stdout, {"v": 5})
