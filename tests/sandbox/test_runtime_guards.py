"""What the runner enforces at run time, whatever the static gate let through: the import allowlist for the
candidate's own imports, and random numbers that are the same on every run (fast: the runner in-process)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.codemodel.contract import ALLOWED_IMPORTS, check_contract
from sandbox import runner
from sandbox.results import OutcomeKind
from tests.fakes import InProcessExecutor

FRAME = {"rows": pd.DataFrame({"x": [0.1, 0.2, 0.3]})}


def test_the_runner_allows_exactly_the_contracts_imports() -> None:
    assert runner.ALLOWED_IMPORTS == ALLOWED_IMPORTS


@pytest.mark.parametrize(
    "hidden",
    [
        "__builtins__.__import__('os')",
        "__import__('subprocess')",
        "exec('import socket')",
        "__builtins__.__import__('importlib').import_module('os')",
    ],
)
def test_an_import_hidden_from_the_static_gate_is_refused_at_run_time(hidden: str) -> None:
    result = InProcessExecutor().run(f"def predict(df):\n    {hidden}\n    return [0.5] * len(df)\n", FRAME)
    assert result.kind is OutcomeKind.FORBIDDEN_IMPORT and "at run time" in result.message


def test_numpy_and_pandas_still_import_what_they_need() -> None:
    code = "import pandas as pd\n\ndef predict(df):\n    return df['x'].rolling(2, min_periods=1).mean()"
    assert InProcessExecutor().run(code, FRAME).kind is OutcomeKind.OK


def test_random_numbers_are_the_same_on_every_run() -> None:
    code = "import numpy as np\n\ndef predict(df):\n    return np.random.rand(len(df))\n"
    first, second = (InProcessExecutor().run(code, FRAME).predictions["rows"] for _ in range(2))
    assert first == second and first == pytest.approx(np.random.RandomState(0).rand(3).tolist())


def test_the_test_process_gets_its_builtins_back() -> None:
    import builtins

    InProcessExecutor().run("def predict(df):\n    return [0.5] * len(df)\n", FRAME)
    assert builtins.__import__ is runner._import and np.random.default_rng is runner._default_rng


@pytest.mark.parametrize(
    "source", ["from numpy import random", "import numpy.random", "from numpy.random import normal"]
)
def test_the_static_gate_names_randomness_imported_from_numpy(source: str) -> None:
    violation = check_contract(f"{source}\n\ndef predict(df):\n    return [0.5] * len(df)\n", "y")
    assert violation is not None and "uses randomness" in violation.message
