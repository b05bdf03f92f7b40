"""The leak audit on the paper's real splits (it must flag alive_yes/alive_no and nothing else, and nothing
on moons) and on synthetic leaks the category rule cannot see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.config import DataConfig
from ibl_agents.data.audit import audit
from ibl_agents.data.dataset import load_dataset
from ibl_agents.data.prepare import prepare_data
from tests.reference import SPLITS

SEEDS = (3655, 3656, 3657)
PAPER_TRAIN_SIZES = (6, 8, 10, 20, 30, 40, 50)  # the n of the GPT-4 corpus: titanic_<seed>_<n>_<trial>.py
TITANIC_LEAKS = ["alive_no", "alive_yes"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("part", ["train", "test"])
def test_titanic_files_leak_exactly_alive(seed: int, part: str) -> None:
    dataset = load_dataset(SPLITS / f"titanic_{seed}_300_{part}.csv", "survived")
    report = audit(dataset.frame, dataset.y)
    assert report.leaks == TITANIC_LEAKS
    assert report.named_like_target == []


@pytest.mark.parametrize("seed", SEEDS)
def test_paper_run_audits_all_rows_whatever_the_train_size(seed: int) -> None:
    # `ibl run train.csv --test test.csv --train-rows n`: prepare_data audits train and test file together.
    for n in PAPER_TRAIN_SIZES:
        prepared = prepare_data(
            DataConfig(
                path=str(SPLITS / f"titanic_{seed}_300_train.csv"),
                test_path=str(SPLITS / f"titanic_{seed}_300_test.csv"),
                target="survived",
                train_rows=n,
            )
        )
        assert len(prepared.dataset.y) == 600
        assert prepared.audit.leaks == TITANIC_LEAKS, n


@pytest.mark.parametrize("seed", SEEDS)
def test_audit_of_the_first_rows_alone(seed: int) -> None:
    # On fewer than 20 rows a binary column matches the target by chance (on the first 6 rows sex_female
    # and who_man do), so nothing is called a leak there; from 20 rows on, exactly alive_*.
    dataset = load_dataset(SPLITS / f"titanic_{seed}_300_train.csv", "survived")
    for n in sorted({*PAPER_TRAIN_SIZES, 19, 25}):
        report = audit(dataset.frame.iloc[:n], dataset.y.iloc[:n])
        assert report.leaks == (TITANIC_LEAKS if n >= 20 else []), n


def test_moons_have_no_leaks() -> None:
    reports = [audit(d.frame, d.y) for d in [load_dataset("examples/moons.csv", "label")]]
    for seed in SEEDS:
        for part in ("train", "test"):
            dataset = load_dataset(SPLITS / f"moon_{seed}_300_{part}.csv", "target")
            reports.append(audit(dataset.frame, dataset.y))
        config = DataConfig(
            path=str(SPLITS / f"moon_{seed}_300_train.csv"),
            test_path=str(SPLITS / f"moon_{seed}_300_test.csv"),
            target="target",
            train_rows=10,
        )
        reports.append(prepare_data(config).audit)
    assert [(r.leaks, r.named_like_target) for r in reports] == [([], [])] * 10


def _frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    y = pd.Series(np.arange(n) % 2, name="outcome")
    return pd.DataFrame({"noise": rng.normal(size=n), "group": rng.integers(0, 3, size=n)}), y


def test_a_score_that_separates_the_classes_is_a_leak() -> None:
    frame, y = _frame(300)
    rng = np.random.default_rng(1)
    frame["risk_score"] = y * 10 + rng.normal(size=300)  # continuous, one cut point separates the classes
    flipped = frame["risk_score"].copy()
    flipped.iloc[[0, 1]] = flipped.iloc[[1, 0]].to_numpy()  # 1 row of each class (0.7 %) on the wrong side
    frame["noisy_score"] = flipped
    frame["strong_feature"] = y * 2 + rng.normal(size=300)  # predictive (~84 %), not a leak
    report = audit(frame, y)
    assert report.leaks == ["risk_score", "noisy_score"]


def test_a_cut_point_needs_fifty_rows() -> None:
    frame, y = _frame(49)
    frame["risk_score"] = y * 5 + np.linspace(0, 1, 49)
    assert audit(frame, y).leaks == []
    frame, y = _frame(50)
    frame["risk_score"] = y * 5 + np.linspace(0, 1, 50)
    assert audit(frame, y).leaks == ["risk_score"]


def test_any_function_of_the_target_is_a_leak() -> None:
    frame, y = _frame(40)
    frame["copy_times_three"] = 3 * y + 1
    frame["negated"] = np.where(y == 1, "no", "yes")
    assert audit(frame, y).leaks == ["copy_times_three", "negated"]


def test_a_rare_target_does_not_make_every_category_a_leak() -> None:
    # 5 positives in 500 rows: guessing 0 everywhere is 99 % accurate, so accuracy cannot be the test.
    rng = np.random.default_rng(2)
    y = pd.Series((np.arange(500) % 100 == 0).astype(int), name="fraud")
    frame = pd.DataFrame({"channel": rng.integers(0, 4, size=500), "weekend": rng.integers(0, 2, size=500)})
    frame["chargeback"] = y.to_numpy()  # a real leak is still found
    assert audit(frame, y).leaks == ["chargeback"]


def test_columns_named_like_the_target_are_warned_about_not_dropped() -> None:
    frame, y = _frame(100)
    rng = np.random.default_rng(3)
    frame["outcome_flag"] = np.where(rng.random(100) < 0.9, y, 1 - y)  # a 90 % copy: below the leak bar
    frame["is_outcome"] = rng.integers(0, 2, size=100)
    frame["outcome.1"] = y.to_numpy()  # pandas' name for a repeated header; its values make it a leak
    frame["outcomes"] = rng.integers(0, 2, size=100)  # another word
    report = audit(frame, y)
    assert report.leaks == ["outcome.1"]
    assert report.named_like_target == ["outcome_flag", "is_outcome"]
    assert (
        "named like the target: outcome_flag, is_outcome; check they are not derived from it"
        " (--drop-columns outcome_flag --drop-columns is_outcome removes them)"
    ) in report.warnings()
    prepared = prepare_data(DataConfig(target="outcome", drop_leaks=True), frame.assign(outcome=y))
    assert prepared.dropped_leaks == ["outcome.1"]
    assert "outcome_flag" in prepared.dataset.features


def test_a_text_column_with_missing_values_and_mixed_types_is_audited() -> None:
    """Titanic's ``embarked`` has missing values; with pandas 3 the category rule used to crash on them
    (``KeyError: '[nan] not in index'``). A missing value is a category of its own."""
    frame, y = _frame(60)
    rng = np.random.default_rng(5)
    frame["embarked"] = pd.Series(rng.choice(np.array(["S", "C", None, "Q"], dtype=object), 60), dtype=object)
    frame["mixed"] = pd.Series(rng.choice(np.array([1, "two", 3.0, None], dtype=object), 60), dtype=object)
    frame["leak_with_gaps"] = pd.Series(np.where(y == 1, "yes", None), dtype=object)
    report = audit(frame, y)
    assert report.leaks == ["leak_with_gaps"] and report.missing["embarked"] > 0


def test_test_rows_that_repeat_train_rows_are_warned_about() -> None:
    path = SPLITS / "moon_3656_300_train.csv"
    config = DataConfig(path=str(path), target="target", test_path=str(path), train_rows=40)
    report = prepare_data(config).audit
    assert report.test_repeats_train >= 40  # the 40 shown rows are all in the test file again
    assert f"{report.test_repeats_train} locked test row(s) repeat a train row exactly" in " ".join(
        report.warnings()
    )
