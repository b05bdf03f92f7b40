"""Dataset loading, audit and splits: every user mistake is one clear DataError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibl_agents.config import DataConfig
from ibl_agents.data.audit import audit
from ibl_agents.data.dataset import load_dataset
from ibl_agents.data.prepare import prepare_data
from ibl_agents.data.splits import make_splits
from ibl_agents.errors import DataError
from tests.reference import SPLITS


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"data file not found: .*nope.csv"):
        load_dataset(tmp_path / "nope.csv", "y")


def test_unknown_target_lists_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"target column 'label' not in .*columns are: 'a', 'b', 'y'"):
        load_dataset(path, "label")


def test_single_class_target(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,y\n1,1\n2,1\n3,1\n")
    with pytest.raises(DataError, match="single class"):
        load_dataset(path, "y")


def test_empty_table(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is empty"):
        load_dataset(_write(tmp_path, ""), "y")
    with pytest.raises(DataError, match="has no rows"):
        load_dataset(_write(tmp_path, "a,y\n", "header_only.csv"), "y")


def test_unparseable_csv(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a,y\n1,0\n2,1,5,6\n"unterminated\n')
    with pytest.raises(DataError, match=r"cannot parse .* as CSV"):
        load_dataset(path, "y")


def test_free_text_column_names_the_fix(tmp_path: Path) -> None:
    rows = "\n".join(f"passenger number {i} with a long name,{i % 2}" for i in range(60))
    path = _write(tmp_path, "name,y\n" + rows + "\n")
    with pytest.raises(DataError, match="--drop-columns name"):
        load_dataset(path, "y")


def test_a_class_with_a_single_row_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,y\n1,0\n2,1\n3,2\n")
    with pytest.raises(DataError, match="have a single row; each class needs at least 2 rows"):
        load_dataset(path, "y")


def test_positive_label_is_the_yes_like_value() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "y": ["no", "yes", "no", "yes"]})
    dataset = load_dataset(frame, "y")
    assert dataset.positive_label == "yes"
    assert dataset.y.tolist() == [0, 1, 0, 1]


def test_audit_flags_the_paper_titanic_leak() -> None:
    dataset = load_dataset(SPLITS / "titanic_3655_300_train.csv", "survived")
    report = audit(dataset.frame, dataset.y)
    assert {"alive_yes", "alive_no"} <= set(report.leaks)
    assert "sex_female" not in report.leaks


def test_drop_leaks_removes_them() -> None:
    config = DataConfig(path=str(SPLITS / "titanic_3655_300_train.csv"), target="survived", drop_leaks=True)
    prepared = prepare_data(config)
    assert "alive_yes" not in prepared.dataset.features
    assert prepared.dropped_leaks == ["alive_no", "alive_yes"]


def test_splits_are_disjoint_stratified_and_seeded() -> None:
    y = pd.Series(np.arange(200) % 2)
    first = make_splits(y, seed=3, n_folds=3, test_fraction=0.2, train_fraction=0.5)
    again = make_splits(y, seed=3, n_folds=3, test_fraction=0.2, train_fraction=0.5)
    assert first == again
    parts = [set(first.train), set(first.validation), set(first.test)]
    assert sum(len(p) for p in parts) == 200 and len(set().union(*parts)) == 200
    assert len(first.folds) == 3 and len(first.test) == 40


def test_paper_protocol_train_rows_and_test_file() -> None:
    config = DataConfig(
        path=str(SPLITS / "moon_3656_300_train.csv"),
        test_path=str(SPLITS / "moon_3656_300_test.csv"),
        target="target",
        train_rows=40,
    )
    prepared = prepare_data(config)
    assert prepared.splits.train == list(range(40))
    assert prepared.splits.test == list(range(300, 600))
    assert sorted(prepared.splits.validation) == list(range(40, 300))


def test_test_file_with_other_columns(tmp_path: Path) -> None:
    train = _write(tmp_path, "a,y\n" + "\n".join(f"{i},{i % 2}" for i in range(20)) + "\n")
    test = _write(tmp_path, "b,y\n1,0\n2,1\n", "test.csv")
    with pytest.raises(DataError, match=r"different columns \(missing \['a'\], extra \['b'\]\)"):
        prepare_data(DataConfig(path=str(train), test_path=str(test), target="y"))
