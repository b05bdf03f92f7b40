"""One gate per clause of the code-model contract."""

from __future__ import annotations

import pytest

from ibl_agents.codemodel.contract import check_contract
from sandbox.results import OutcomeKind

GOOD = "import numpy as np\nimport pandas as pd\n\ndef predict(df):\n    return np.full(len(df), 0.5)\n"


def test_good_code_passes() -> None:
    assert check_contract(GOOD, "target") is None


@pytest.mark.parametrize(
    ("source", "kind", "phrase"),
    [
        ("def predict(df)\n    return 1", OutcomeKind.SYNTAX_ERROR, "syntax error at line 1"),
        ("import numpy as np\n", OutcomeKind.CONTRACT_ERROR, "no module-level function `predict(df)`"),
        ("def predict():\n    return []", OutcomeKind.CONTRACT_ERROR, "takes no arguments"),
        ("def predict(df, model):\n    return []", OutcomeKind.CONTRACT_ERROR, "requires 2 arguments"),
        (
            "from sklearn.linear_model import LogisticRegression\ndef predict(df):\n    return []",
            OutcomeKind.FORBIDDEN_IMPORT,
            "imports 'sklearn.linear_model'",
        ),
        ("import os\ndef predict(df):\n    return []", OutcomeKind.FORBIDDEN_IMPORT, "imports 'os'"),
        (
            "import pandas as pd\ndef predict(df):\n    t = pd.read_csv('train.csv')\n    return []",
            OutcomeKind.CONTRACT_ERROR,
            "must not read files",
        ),
        ("def predict(df):\n    return df['target']", OutcomeKind.CONTRACT_ERROR, "reads the target column"),
        ("def predict(df):\n    return eval('1')", OutcomeKind.CONTRACT_ERROR, "calls `eval`"),
        (
            "import numpy as np\ndef predict(df):\n    return df['x'] + np.random.normal(size=len(df))",
            OutcomeKind.CONTRACT_ERROR,
            "uses randomness (`.random`)",
        ),
        (
            "import numpy as np\ndef predict(df):\n    return np.random.default_rng(0).random(len(df))",
            OutcomeKind.CONTRACT_ERROR,
            "uses randomness",
        ),
        ("def predict(df):\n    return df.sample(frac=1)['x']", OutcomeKind.CONTRACT_ERROR, "(`.sample`)"),
    ],
)
def test_each_clause_has_a_gate(source: str, kind: OutcomeKind, phrase: str) -> None:
    violation = check_contract(source, "target")
    assert violation is not None
    assert violation.kind is kind
    assert phrase in violation.message


def test_optional_second_argument_is_allowed() -> None:
    assert check_contract("def predict(df, threshold=0.5):\n    return []", "target") is None


@pytest.mark.parametrize(
    "body",
    [
        # left out
        "    return sum(df[c] for c in df.columns if c != 'target')",
        "    return df.drop(columns=['target'], errors='ignore')['x']",
        "    return df['x'] * ('target' not in df.columns)",
        # written: the column holds what the code computed
        "    df.loc[df['x'] > 0, 'target'] = 1\n    return df['x']",
        "    df['target'] = df['x'] * 2\n    return df['x']",
    ],
)
def test_naming_the_target_to_leave_it_out_or_to_write_it_is_allowed(body: str) -> None:
    assert check_contract("def predict(df):\n" + body, "target") is None


@pytest.mark.parametrize(
    "body",
    [
        "    return df['target'] > 0",
        "    return df['target'].drop(index=[0])",
        "    df.loc[df['target'] > 0, 'x'] = 1\n    return df['x']",
    ],
)
def test_a_comparison_a_drop_or_a_write_does_not_hide_a_read(body: str) -> None:
    violation = check_contract("def predict(df):\n" + body, "target")
    assert violation is not None and "reads the target column" in violation.message
