"""Static analysis of the columns a code model reads, on hand-written snippets and a real GPT-4 model."""

from __future__ import annotations

import pytest

from ibl_agents.codemodel.columns import columns_read, reads_by_position
from ibl_agents.codemodel.extraction import extract_code
from tests.reference import GPT4_TITANIC

COLUMNS = ["age", "fare", "sex", "pclass", "deck", "values", "sin", "alive_yes"]


def test_the_usual_access_forms() -> None:
    source = """
def predict(df):
    a = df["age"] + df.fare
    b = df[["sex", "pclass"]]
    c = df.get("deck", 0)
    d = df.loc[:, "values"]
    return a
"""
    assert columns_read(source, COLUMNS) == {"age", "fare", "sex", "pclass", "deck", "values"}


def test_rows_copies_and_another_parameter_name() -> None:
    source = """
import numpy as np

def predict(x):
    data = x.copy()
    out = []
    for _, row in data.iterrows():
        out.append(0.9 if row["sex"] == "female" and row.age < 10 else 0.2)
    return np.array(out)
"""
    assert columns_read(source, COLUMNS) == {"sex", "age"}


def test_lists_and_weight_tables_of_names() -> None:
    source = """
FEATURES = ["age", "fare"]
WEIGHTS = {"pclass": -0.4, "deck": 0.1}

def predict(df):
    score = sum(df[name] * w for name, w in WEIGHTS.items())
    return score + df[FEATURES].sum(axis=1)
"""
    assert columns_read(source, COLUMNS) == {"age", "fare", "pclass", "deck"}


def test_pandas_attributes_modules_and_other_strings_are_not_columns() -> None:
    source = """
import numpy as np

def predict(df):
    s = df.values.sum(axis=1) + np.sin(df.shape[0])
    label = "survived"  # a string that is not a column
    return s
"""
    assert columns_read(source, COLUMNS) == set()


def test_dropped_columns_are_not_read() -> None:
    source = """
def predict(df):
    rest = df.drop(columns=["alive_yes"]).drop("deck", axis=1)
    return rest["age"] > 30
"""
    assert columns_read(source, COLUMNS) == {"age"}


def test_assigning_an_attribute_is_not_a_read() -> None:
    assert columns_read("def predict(df):\n    df.fare = 0\n    return df.sex\n", COLUMNS) == {"sex"}


def test_unparseable_source_raises() -> None:
    with pytest.raises(SyntaxError):
        columns_read("def predict(df) return df", COLUMNS)


def test_a_real_gpt4_code_model() -> None:
    reply = (GPT4_TITANIC / "titanic_3655_10_1.py").read_text(encoding="utf-8")
    titanic = [
        "pclass",
        "age",
        "sex_female",
        "sex_male",
        "alive_no",
        "alive_yes",
        "alone_False",
        "alone_True",
    ]
    assert columns_read(extract_code(reply) or "", titanic) == {
        "sex_female",
        "sex_male",
        "alive_yes",
        "alive_no",
        "alone_True",
    }


@pytest.mark.parametrize(
    ("source", "positional"),
    [
        ("def predict(df):\n    return df.iloc[:, 0] > 0\n", True),
        ("def predict(df):\n    return df.values @ W\n", True),
        ("def predict(df):\n    return sum(df[c] for c in df.columns)\n", True),
        (
            "def predict(df):\n    return df['x1'] + sum(W.values())\n",
            False,
        ),  # dict.values() is not the frame's
        ("def predict(df):\n    return df['x1'] > 0\n", False),
    ],
)
def test_code_that_reaches_columns_without_naming_them_is_recognised(source: str, positional: bool) -> None:
    """explain used to call every column the source does not name "ignored", even for df.iloc code."""
    assert reads_by_position(source) is positional
