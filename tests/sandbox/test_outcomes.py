"""Bad-program fixtures: each proves that the right outcome kind fires, with a useful message."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.results import OutcomeKind
from tests.sandbox.attacks import past_the_import_guard
from tests.sandbox.support import FRAME, every_dtype

pytestmark = pytest.mark.docker


def run(executor: DockerExecutor, code: str, frames: dict[str, pd.DataFrame] | None = None):
    return executor.run(textwrap.dedent(code), frames or {"valid": FRAME})


def test_simple_model_returns_floats_for_every_frame(executor: DockerExecutor) -> None:
    code = """
        import numpy as np
        def predict(df):
            return np.where(df["x"] > 1, 0.9, 0.1) + df["name"].isna() * 0.05
    """
    frames = {"train": FRAME, "valid": FRAME.iloc[::-1].reset_index(drop=True)}
    result = run(executor, code, frames)
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions == {
        "train": [0.1, 0.9, 0.15000000000000002, 0.9, 0.1],
        "valid": [0.1, 0.9, 0.15000000000000002, 0.9, 0.1][::-1],
    }
    assert result.duration_s > 0


def test_a_predict_that_changes_its_globals_scores_every_frame_alike(executor: DockerExecutor) -> None:
    code = """
        SCALE = {"x": 1.0}
        def predict(df):
            SCALE["x"] *= 2
            return df["x"] * SCALE["x"] / 100
    """
    result = run(executor, code, {"fold_1": FRAME, "fold_2": FRAME, "fold_3": FRAME})
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions["fold_1"] == result.predictions["fold_2"] == result.predictions["fold_3"]


def test_dtypes_survive_the_trip(executor: DockerExecutor) -> None:
    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "f": [0.1, float("nan")],
            "s": ["a", None],
            "b": [True, False],
            "d": pd.to_datetime(["2020-01-01", "2021-06-01"]),
            "c": pd.Categorical(["x", "y"]),
        }
    )
    code = f"""
        def predict(df):
            same = [str(t) for t in df.dtypes] == {[str(t) for t in frame.dtypes]!r}
            return [float(same), df["f"].iloc[0] + df["d"].dt.year.iloc[1]]
    """
    result = run(executor, code, {"v": frame})
    assert result.predictions == {"v": [1.0, 0.1 + 2021]}


def test_every_dtype_arrives_with_its_values(executor: DockerExecutor) -> None:
    """The container's pandas (no pyarrow) rebuilds what the host sent: same dtypes, same JSON dump."""
    frame, dump = every_dtype(), {"date_format": "iso", "date_unit": "ns"}
    code = f"""
        def predict(df):
            dtypes = [str(t) for t in df.dtypes] == {[str(t) for t in frame.dtypes]!r}
            values = df.to_json(**{dump!r}) == {frame.to_json(**dump)!r}
            return [float(dtypes), float(values), 0.0, 0.0]
    """
    result = run(executor, code, {"v": frame})
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions == {"v": [1.0, 1.0, 0.0, 0.0]}


def test_syntax_error_names_the_line(executor: DockerExecutor) -> None:
    result = run(executor, "def predict(df):\n    return [\n\nx = )\n")
    assert result.kind is OutcomeKind.SYNTAX_ERROR
    assert "line" in result.message and result.predictions == {}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1\n", "no callable `predict(df)`"),
        ("predict = 3\n", "no callable `predict(df)`"),
        ("def predict(df, labels):\n    return df\n", "predict(df, labels)"),
        ("def predict():\n    return []\n", "exactly one positional argument"),
    ],
)
def test_contract_error(executor: DockerExecutor, code: str, expected: str) -> None:
    result = run(executor, code)
    assert result.kind is OutcomeKind.CONTRACT_ERROR
    assert expected in result.message


def test_import_error(executor: DockerExecutor) -> None:
    # An allowed package's module that does not exist (anything else is refused as forbidden_import).
    result = run(executor, "import pandas.sklearnx\ndef predict(df):\n    return [0.0] * len(df)\n")
    assert result.kind is OutcomeKind.IMPORT_ERROR
    assert "sklearnx" in result.message


def test_runtime_error_carries_a_trimmed_traceback(executor: DockerExecutor) -> None:
    result = run(executor, "def predict(df):\n    return 1 / 0\n")
    assert result.kind is OutcomeKind.RUNTIME_ERROR
    assert "ZeroDivisionError" in result.message and "'valid'" in result.message
    assert 'File "<candidate>", line 2, in predict' in result.detail
    assert "return 1 / 0" in result.detail and "runner.py" not in result.detail


def test_exit_in_model_code_is_a_runtime_error(executor: DockerExecutor) -> None:
    result = run(executor, past_the_import_guard("import sys\nsys.exit(3)\n"))
    assert result.kind is OutcomeKind.RUNTIME_ERROR and "exit(3)" in result.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return np.zeros((len(df), 2))", "returned shape (5, 2), expected (5,)"),
        ("return [0.5] * (len(df) - 1)", "returned 4 values, expected 5"),
        ("return ['yes'] * len(df)", "dtype <U3, expected numbers"),
        ("return [0.5, 0.5, 'x', 0.5, 0.5]", "expected numbers"),
        ("return [0.5, 0.5, None, 0.5, 0.5]", "returned None (NoneType) at row 2"),
        ("return 0.5", "returned a single float, expected (5,)"),
        ("return df", "returned shape (5, 2), expected (5,)"),
        ("return Weird()", "unusable"),
        ("return [Weird()] * len(df)", "type list is unusable: bad array"),
        ("return [BadRepr()] * len(df)", "returned <unprintable BadRepr> (BadRepr) at row 0"),
    ],
)
def test_invalid_output_says_precisely_why(executor: DockerExecutor, body: str, expected: str) -> None:
    code = f"""
        import numpy as np
        class Weird:
            def __len__(self): raise RuntimeError("bad len")
            def __array__(self, *a, **k): raise RuntimeError("bad array")
            def __float__(self): raise RuntimeError("bad float")
        class BadRepr:
            def __repr__(self): raise RuntimeError("bad repr")
        def predict(df):
            {body}
    """
    result = run(executor, code)
    assert result.kind is OutcomeKind.INVALID_OUTPUT, result
    assert expected in result.message


def test_nan_and_inf_are_passed_through_for_the_host_to_judge(executor: DockerExecutor) -> None:
    result = run(executor, "def predict(df):\n    return [float('nan'), float('inf'), 0, 1, True]\n")
    assert result.kind is OutcomeKind.OK
    values = result.predictions["valid"]
    assert values[0] != values[0] and values[1:] == [float("inf"), 0.0, 1.0, 1.0]
