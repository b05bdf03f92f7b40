"""Matrix results (class probabilities): asked for with ``output_columns``, checked at both ends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.process_executor import ProcessExecutor
from sandbox.protocol import ProtocolError, decode_result, encode_request
from sandbox.results import OutcomeKind
from tests.sandbox.support import FRAME
from tests.sandbox.test_protocol import floats, frame, run_request

CLASSES = ["setosa", "versicolor", "virginica"]
ROWS = len(FRAME)


def run_matrix(body: str, columns: list[str] = CLASSES):
    code = f"import numpy as np\nimport pandas as pd\n\ndef predict(df):\n    {body}\n"
    status, stdout = run_request(encode_request(code, {"v": FRAME}, columns))
    assert status == 0
    return decode_result(stdout, {"v": ROWS}, len(columns))


def test_a_matrix_round_trips_row_by_row() -> None:
    result = run_matrix("return np.arange(len(df) * 3, dtype=float).reshape(len(df), 3) / 100")
    assert result.kind is OutcomeKind.OK, result
    expected = (np.arange(ROWS * 3, dtype=float).reshape(ROWS, 3) / 100).tolist()
    assert result.predictions == {"v": expected}


def test_a_frame_named_by_the_classes_is_put_in_class_order() -> None:
    body = "return pd.DataFrame({'virginica': [0.3] * len(df), 'setosa': [0.5] * len(df), 'versicolor': 0.2})"
    result = run_matrix(body)
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions["v"] == [[0.5, 0.2, 0.3]] * ROWS


def test_nan_survives_inside_a_matrix_for_the_host_to_judge() -> None:
    result = run_matrix("out = np.full((len(df), 3), 1 / 3)\n    out[2, 1] = np.nan\n    return out")
    assert result.kind is OutcomeKind.OK and np.isnan(result.predictions["v"][2][1])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return np.full(len(df), 0.5)", "returned shape (5,), expected (5, 3): one row per df row"),
        ("return np.full((len(df), 2), 0.5)", "returned shape (5, 2), expected (5, 3)"),
        ("return np.full((len(df) - 1, 3), 0.5)", "returned shape (4, 3), expected (5, 3)"),
        ("return 0.5", "returned a single float, expected (5, 3)"),
        (
            "return ['setosa'] * len(df)",
            "expected (5, 3): one row per df row, one column per class in the order",
        ),
        ("return [[0.5, 0.5, 'x']] * len(df)", "expected numbers"),
        ("return [[0.5, 0.5, 0.0]] * 2 + [[0.5, None, 0.0]] * 3", "returned None (NoneType) at row 2"),
        (
            "return pd.DataFrame({'setosa': [1.0] * len(df), 'other': 0.0, 'virginica': 0.0})",
            "columns [setosa, other, virginica]; name its columns exactly [setosa, versicolor, virginica]",
        ),
    ],
)
def test_a_wrong_matrix_is_invalid_output_saying_why(body: str, message: str) -> None:
    result = run_matrix(body)
    assert result.kind is OutcomeKind.INVALID_OUTPUT, result
    assert message in result.message


def test_without_output_columns_a_matrix_is_still_refused() -> None:
    _, stdout = run_request(
        encode_request("def predict(df):\n    return [[0.5, 0.5]] * len(df)\n", {"v": FRAME})
    )
    result = decode_result(stdout, {"v": ROWS})
    assert result.kind is OutcomeKind.INVALID_OUTPUT and "expected (5,)" in result.message


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (
            floats(*[0.2] * 5),
            "has 40 bytes of predictions, not 5x3 float64",
        ),  # a vector where a matrix was asked
        (floats(*[0.2] * 16), "not 5x3 float64"),
    ],
)
def test_decode_holds_a_matrix_to_the_width_asked_for(values: bytes, error: str) -> None:
    stdout = frame({"kind": "ok", "predictions": [["v", 5]]}, values)
    with pytest.raises(ProtocolError, match=error):
        decode_result(stdout, {"v": 5}, 3)


def test_decode_reads_frames_of_a_matrix_in_the_listed_order() -> None:
    stdout = frame({"kind": "ok", "predictions": [["b", 1], ["a", 1]]}, floats(0.1, 0.9, 0.7, 0.3))
    result = decode_result(stdout, {"a": 1, "b": 1}, 2)
    assert result.predictions == {"a": [[0.7, 0.3]], "b": [[0.1, 0.9]]}


@pytest.mark.docker
@pytest.mark.parametrize("backend", ["docker", "process"])
def test_both_executors_carry_a_matrix(backend: str, sandbox_image: str) -> None:
    features = pd.DataFrame({"x": np.linspace(0, 1, 7)})
    code = "import numpy as np\n\ndef predict(df):\n    x = df['x'].to_numpy()\n    return np.c_[x, 1 - x]\n"
    opened = DockerExecutor(image=sandbox_image) if backend == "docker" else ProcessExecutor()
    with opened as executor:
        result = executor.run(code, {"valid": features, "train": features.iloc[:2]}, ["no", "yes"])
    assert result.kind is OutcomeKind.OK, result
    assert result.predictions["valid"] == np.c_[features["x"], 1 - features["x"]].tolist()
    assert result.predictions["train"] == [[0.0, 1.0], [1 / 6, 5 / 6]]
