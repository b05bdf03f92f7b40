"""Which columns a code model uses beside the prompt's constants, and the finding that names strong
columns it leaves out."""

from __future__ import annotations

import pandas as pd
import pytest

from ibl_agents.agents.generator import train_constants
from ibl_agents.codemodel.columns import columns_used
from ibl_agents.data.dataset import load_dataset
from ibl_agents.feedback.unused_columns import unused_strong_columns
from tests.reference import SPLITS

COLUMNS = ["Feature_1", "Feature_2"]
FIRST_ONLY = """
def predict(df):
    score = SEPARATION['Feature_1'] * (df['Feature_1'] - MIDPOINT['Feature_1']) / SPREAD['Feature_1']
    return 1 / (1 + np.exp(-score))
"""


def moons(seed: int = 3655):
    return load_dataset(SPLITS / f"moon_{seed}_300_train.csv", "target")


def test_the_constants_keys_do_not_count_as_use() -> None:
    constants = train_constants(moons(), list(range(40)))  # names both columns in every line
    assert columns_used(constants + FIRST_ONLY, COLUMNS) == {"Feature_1"}


@pytest.mark.parametrize(
    "body",
    [
        "    return sum(SEPARATION[c] * (df[c] - MIDPOINT[c]) for c in SEPARATION)\n",
        "    return [SEPARATION.get(c, 0) for c in df.columns]\n",
        "    for c, s in SEPARATION.items():\n        df[c] * s\n    return 0\n",
    ],
)
def test_a_constant_used_whole_uses_every_column(body: str) -> None:
    assert columns_used("def predict(df):\n" + body, COLUMNS) == set(COLUMNS)


def test_own_constants_still_count() -> None:
    source = "W = {'Feature_2': 1.0}\n\ndef predict(df):\n    return df['Feature_1'] * 0\n"
    assert columns_used(source, COLUMNS) == set(COLUMNS)


def test_the_finding_names_the_strong_column_left_out() -> None:
    dataset, rows = moons(), list(range(40))
    code = train_constants(dataset, rows) + FIRST_ONLY
    note = unused_strong_columns(code, dataset, rows)
    assert note is not None and note.startswith("predict does not use Feature_2 (SEPARATION -1.60)")
    assert "SEPARATION['Feature_2'] * (df['Feature_2'] - MIDPOINT['Feature_2'])" in note
    both = code.replace("/ SPREAD['Feature_1']\n", "/ SPREAD['Feature_1'] + df['Feature_2']\n")
    assert unused_strong_columns(both, dataset, rows) is None


def test_weak_columns_and_other_tasks_are_not_named() -> None:
    frame = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, 3.0] * 5, "noise": [1.0, 1.1, 1.0, 1.1] * 5, "y": [0, 0, 1, 1] * 5}
    )
    dataset = load_dataset(frame, "y")
    code = "def predict(df):\n    return df['x'] / 3\n"
    assert unused_strong_columns(code, dataset, list(range(20))) is None  # noise separates nothing
    regression = load_dataset(frame.assign(y=frame["x"] * 2.5 + 0.1), "y", task="regression")
    assert unused_strong_columns(code, regression, list(range(20))) is None


def test_constants_copied_into_predict_do_not_count_either() -> None:
    dataset, rows = moons(), list(range(40))
    inside = "\n".join("    " + line for line in train_constants(dataset, rows).splitlines())
    code = FIRST_ONLY.replace("def predict(df):\n", "def predict(df):\n" + inside + "\n")
    assert columns_used(code, COLUMNS) == {"Feature_1"}
    assert unused_strong_columns(code, dataset, rows) is not None
    only_constants = "def predict(df):\n" + inside + "\n"
    assert columns_used(only_constants, COLUMNS) == set()
