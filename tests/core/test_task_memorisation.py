"""The memorisation check on multiclass and regression code models: class names are labels, regression
skips what needs labels and still finds copied rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibl_agents.agents.generator import train_constants
from ibl_agents.data.dataset import load_dataset
from ibl_agents.inspection.memorisation import check_memorisation

RNG = np.random.default_rng(11)
X1, X2 = RNG.uniform(0, 10, 60).round(3), RNG.uniform(0, 10, 60).round(3)
SPECIES = load_dataset(
    pd.DataFrame({"x1": X1, "x2": X2, "species": np.where(X1 > 6.6, "c", np.where(X1 > 3.3, "b", "a"))}),
    "species",
)
LEVEL = load_dataset(pd.DataFrame({"x1": X1, "x2": X2, "level": (X1 * 2.5 + X2).round(2)}), "level")
TRAIN = list(range(30))


def _name(row: int) -> str:
    return SPECIES.classes[int(SPECIES.y.iloc[row])]


def test_a_lookup_of_class_names_and_a_class_sequence_are_memorised() -> None:
    lookup = ", ".join(f"{X1[row]}: {_name(row)!r}" for row in range(4))
    sequence = ", ".join(repr(_name(row)) for row in range(10))
    source = f"LOOKUP = {{{lookup}}}\nLABELS = [{sequence}]\n\ndef predict(df):\n    return df\n"
    report = check_memorisation(source, SPECIES, TRAIN)
    assert report.verdict and report.lookup_entries == 4 and report.label_sequence == 10
    assert "notes" not in report.to_json()


def test_class_indices_count_as_labels_and_the_stated_class_means_do_not() -> None:
    indices = ", ".join(str(int(SPECIES.y.iloc[row])) for row in range(9))
    assert check_memorisation(f"ORDER = [{indices}]\n", SPECIES, TRAIN).label_sequence == 9
    constants = train_constants(SPECIES, TRAIN)  # MEAN_BY_CLASS written back is the prompt's, not rows
    report = check_memorisation(constants + "\n\ndef predict(df):\n    return df\n", SPECIES, TRAIN)
    assert not report.verdict and report.copied_rows == 0


def test_regression_finds_copied_rows_and_notes_what_it_cannot_check() -> None:
    rows = ", ".join(f"({X1[row]}, {X2[row]})" for row in range(4))
    report = check_memorisation(f"ROWS = [{rows}]\n\ndef predict(df):\n    return df['x1']\n", LEVEL, TRAIN)
    assert report.verdict and report.copied_rows == 4 and report.lookup_entries == 0
    assert report.to_json()["notes"] == ["lookup entries and label sequences need class labels: not checked"]
    clean = check_memorisation(
        train_constants(LEVEL, TRAIN) + "\ndef predict(df):\n    return df['x1']\n", LEVEL, TRAIN
    )
    assert not clean.verdict
