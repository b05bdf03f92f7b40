"""The memorisation check on hand-written code models (clean ones stay clean, each kind of hard-coding is
caught) and on the paper's 630 real GPT-4 code models."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ibl_agents.agents.generator import train_constants
from ibl_agents.codemodel.extraction import extract_code
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.inspection.memorisation import MemorisationReport, check_memorisation
from tests.reference import GPT4_TITANIC, SPLITS

TITANIC = load_dataset(SPLITS / "titanic_3656_300_train.csv", "survived")
MOONS = load_dataset(SPLITS / "moon_3656_300_train.csv", "target")
FIRST_30 = list(range(30))


def _printed(value: float) -> str:
    """A value as the prompt shows it (serialize.sample_rows: "%.4g")."""
    return f"{value:.4g}"


def _row(dataset: Dataset, position: int, *columns: str) -> dict[str, str]:
    return {column: _printed(dataset.frame[column].iloc[position]) for column in columns}


def _clean(report: MemorisationReport) -> bool:
    return report == MemorisationReport(0, 0, 0, verdict=False, evidence=[])


def test_a_sigmoid_with_thresholds_at_train_values_is_clean() -> None:
    first = _row(MOONS, 0, "Feature_1", "Feature_2")
    source = f"""
import numpy as np

def predict(df):
    z = 2.5 * (df["Feature_2"] - 0.25) - 1.2 * df["Feature_1"]
    inside = (df["Feature_1"] > {first["Feature_1"]}) & (df["Feature_2"] < {first["Feature_2"]})
    z = np.where(inside, z - 1, z)
    return 1 / (1 + np.exp(-z))
"""
    assert _clean(check_memorisation(source, MOONS, range(40)))


def test_rules_on_categories_and_a_weight_table_are_clean() -> None:
    cut = _row(TITANIC, 2, "age", "fare")
    source = f"""
WEIGHTS = {{"age": -0.02, "fare": 0.01, "sex_female": 1.0, "pclass": -0.5, "sex_male": 0}}

def predict(df):
    out = []
    for _, row in df.iterrows():
        if row["sex_female"] == 1 and row["pclass"] == 1 and row["alone_True"] == 1:
            p = 1
        elif row["sex_male"] == 1.0 and row["pclass"] == 3.0:
            p = 0
        elif row["age"] < {cut["age"]} and row["fare"] > {cut["fare"]}:
            p = 0.6
        else:
            p = sum(WEIGHTS[c] * row[c] for c in WEIGHTS)
        out.append(p)
    return out
"""
    assert _clean(check_memorisation(source, TITANIC, FIRST_30))


@pytest.mark.parametrize("seed", [3655, 3656, 3657])
def test_the_prompts_constants_are_not_copied_rows(seed: int) -> None:
    # MIDPOINT/SEPARATION/SPREAD come from the train rows; a code model is invited to use them.
    body = "\n\ndef predict(df):\n    return (df['age'] - MIDPOINT['age']).abs() < SPREAD['age']\n"
    for name, target in (("titanic", "survived"), ("moon", "target")):
        dataset = load_dataset(SPLITS / f"{name}_{seed}_300_train.csv", target)
        for n in (6, 8, 10, 20, 30, 40, 50):
            source = train_constants(dataset, list(range(n))) + body
            assert _clean(check_memorisation(source, dataset, range(n))), (name, n)


def test_midpoints_that_equal_train_rows_are_still_stated_not_copied() -> None:
    # Rows 2 and 3 sit exactly at the midpoint of the class means: MIDPOINT reproduces them value for value.
    frame = pd.DataFrame(
        {
            "x1": [0.0, 4.0, 2.0, 2.0],
            "x2": [10.0, 30.0, 20.0, 20.0],
            "y": [1, 1, 0, 0],
        }
    )
    extra = pd.DataFrame({"x1": range(100, 112), "x2": range(200, 212), "y": [1, 0] * 6})  # > 10 values
    dataset = load_dataset(pd.concat([frame, extra], ignore_index=True), "y")
    constants = train_constants(dataset, list(range(4)))
    assert "MIDPOINT = {'x1': 2, 'x2': 20}" in constants
    assert _clean(check_memorisation(constants, dataset, range(4)))


def _nearest_neighbour(table: str) -> str:
    return f"""
import numpy as np

TRAIN = {table}

def predict(df):
    return [0.5 for _ in range(len(df))]
"""


def test_a_table_of_train_rows_is_memorised() -> None:
    rows = [(_row(MOONS, i, "Feature_1", "Feature_2"), MOONS.y.iloc[i]) for i in range(5)]
    as_dicts = [
        f'{{"Feature_1": {r["Feature_1"]}, "Feature_2": {r["Feature_2"]}, "target": {y}}}' for r, y in rows
    ]
    as_tuples = [f"({r['Feature_1']}, {r['Feature_2']}, {y})" for r, y in rows]
    for table in ("[" + ", ".join(as_dicts) + "]", "[" + ", ".join(as_tuples) + "]"):
        report = check_memorisation(_nearest_neighbour(table), MOONS, range(40))
        assert (report.copied_rows, report.lookup_entries, report.verdict) == (5, 0, True)
        assert report.evidence == [
            "copied rows: 5 train row(s) written out as literals, e.g. row 0 at line 4"
            " (Feature_1=1.342, Feature_2=-0.412)"
        ]


def test_two_copied_rows_are_not_yet_a_table() -> None:
    rows = [_row(MOONS, i, "Feature_1", "Feature_2") for i in range(2)]
    table = "[" + ", ".join(f"[{r['Feature_1']}, {r['Feature_2']}]" for r in rows) + "]"
    report = check_memorisation(_nearest_neighbour(table), MOONS, range(40))
    assert (report.copied_rows, report.verdict) == (2, False)


def test_values_match_as_the_prompt_prints_them() -> None:
    # Row 1's fare is 27.7208: the prompt shows 27.72, and both forms reproduce it; 27.73 does not.
    def table(fare: str) -> str:
        return f'{{"age": 29, "fare": {fare}, "pclass": 2, "sex_female": 0}}'

    for fare, copied in (("27.72", 1), ("27.7208", 1), ("27.73", 0)):
        report = check_memorisation(_nearest_neighbour(table(fare)), TITANIC, FIRST_30)
        assert report.copied_rows == copied, fare


def test_an_if_chain_on_exact_train_values_is_a_lookup_table() -> None:
    branches = []
    for i in (0, 1, 4, 6):
        row = _row(TITANIC, i, "age", "fare")
        test = f"row['age'] == {row['age']} and row['fare'] == {row['fare']}"
        branches.append(f"if {test}:\n        return {TITANIC.y.iloc[i]}")
    source = "def label(row):\n    " + "\n    el".join(branches) + "\n    return 0.5\n"
    report = check_memorisation(source, TITANIC, FIRST_30)
    assert (report.copied_rows, report.lookup_entries, report.verdict) == (0, 4, True)
    assert report.evidence == [
        "lookup table: 4 entr(ies) map exact train values to those rows' labels, e.g. line 2:"
        " age=28, fare=16.1 -> 1"
    ]


def test_dicts_and_where_calls_keyed_by_train_values_are_lookup_tables() -> None:
    keys = [_row(MOONS, i, "Feature_1", "Feature_2") for i in range(4)]
    labels = MOONS.y.iloc[:4].tolist()
    by_pair = ", ".join(
        f"({k['Feature_1']}, {k['Feature_2']}): {y}" for k, y in zip(keys, labels, strict=True)
    )
    by_x1 = ", ".join(f"{k['Feature_1']}: {0.9 if y else 0.1}" for k, y in zip(keys, labels, strict=True))
    wheres = "\n".join(
        f"p = np.where(df.Feature_1 == {k['Feature_1']}, {y}, p)" for k, y in zip(keys, labels, strict=True)
    )
    members = ", ".join(k["Feature_1"] for k, y in zip(keys, labels, strict=True) if y == 1)
    sources = {
        "pairs": f"LOOKUP = {{{by_pair}}}",
        "x1": f"LOOKUP = {{{by_x1}}}",
        "where": wheres,
        "in": f"def p(Feature_1):\n    if Feature_1 in [{members}]:\n        return 1\n",
        "conditional": f"def predict(df):\n    return [1 if x in [{members}] else 0 for x in df.Feature_1]\n",
    }
    entries = {
        name: check_memorisation(source, MOONS, range(40)).lookup_entries for name, source in sources.items()
    }
    assert entries == {"pairs": 4, "x1": 4, "where": 4, "in": 2, "conditional": 2}


def test_a_lookup_whose_values_are_not_the_labels_is_not_counted() -> None:
    keys = [_row(MOONS, i, "Feature_1", "Feature_2") for i in range(4)]
    wrong = ", ".join(f"{k['Feature_1']}: {1 - y}" for k, y in zip(keys, MOONS.y.iloc[:4], strict=True))
    assert check_memorisation(f"LOOKUP = {{{wrong}}}", MOONS, range(40)).lookup_entries == 0


def test_a_list_of_the_train_labels_is_memorised() -> None:
    labels = TITANIC.y.iloc[:12].tolist()
    source = f"LABELS = {labels}\n"
    report = check_memorisation(source, TITANIC, FIRST_30)
    assert (report.label_sequence, report.verdict) == (12, True)
    assert report.evidence == ["label sequence: line 1 lists the first 12 train labels"]
    shuffled = [3, 0, 1, 2, *range(4, 30)]  # the prompt listed the rows in another order
    assert check_memorisation(source, TITANIC, shuffled).label_sequence == 0
    as_names = "LABELS = (" + ", ".join(repr(str(v)) for v in labels[:8]) + ")\n"  # '1'/'0' label names
    assert check_memorisation(as_names, TITANIC, FIRST_30).label_sequence == 8


def test_short_constant_or_wrong_label_lists_are_not_sequences() -> None:
    labels = TITANIC.y.iloc[:12].tolist()
    for literal in (labels[:7], [0] * 12, [1 - v for v in labels], [*labels[:5], 2, *labels[6:]]):
        report = check_memorisation(f"MASK = {literal}\n", TITANIC, FIRST_30)
        assert report.label_sequence == 0, literal


def test_report_json_and_bad_input() -> None:
    report = check_memorisation("LABELS = [1, 0, 1, 0, 1, 0, 1, 0]\n", TITANIC, FIRST_30)
    assert report.to_json() == {
        "copied_rows": 0,
        "lookup_entries": 0,
        "label_sequence": 8,
        "verdict": True,
        "evidence": ["label sequence: line 1 lists the first 8 train labels"],
    }
    with pytest.raises(ValueError, match=r"train rows \[300, 301\] are outside the dataset's 300 rows"):
        check_memorisation("x = 1\n", TITANIC, [0, 300, 301])
    with pytest.raises(ValueError, match="no train rows given"):
        check_memorisation("x = 1\n", TITANIC, [])
    with pytest.raises(SyntaxError):
        check_memorisation("def predict(df:\n", TITANIC, FIRST_30)


# Deterministic: the 630 raw GPT-4 replies, each against the first n rows of its split (the rows its prompt
# showed). Two replies embed all 6 shown rows as a Python table to fit scikit-learn on them; two more copy 2
# of their 8 rows ("# Add more data here..."), below the verdict.
GPT4_MEMORISED = ["titanic_3656_6_1.py", "titanic_3657_6_1.py"]
GPT4_SOME_ROWS_COPIED = {
    "titanic_3656_6_1.py": 6,
    "titanic_3657_6_1.py": 6,
    "titanic_3657_8_13.py": 2,
    "titanic_3657_8_22.py": 2,
}


def test_the_paper_gpt4_code_models() -> None:
    datasets = {
        seed: load_dataset(SPLITS / f"titanic_{seed}_300_train.csv", "survived")
        for seed in (3655, 3656, 3657)
    }
    reports = {}
    for path in sorted(GPT4_TITANIC.glob("titanic_*.py")):
        seed, n, _ = map(int, re.fullmatch(r"titanic_(\d+)_(\d+)_(\d+)", path.stem).groups())
        source = extract_code(path.read_text(encoding="utf-8"))
        assert source is not None, path.name
        reports[path.name] = check_memorisation(source, datasets[seed], range(n))
    assert len(reports) == 630
    assert sorted(name for name, report in reports.items() if report.verdict) == GPT4_MEMORISED
    assert {name: r.copied_rows for name, r in reports.items() if r.copied_rows} == GPT4_SOME_ROWS_COPIED
    assert not any(r.lookup_entries or r.label_sequence for r in reports.values())
