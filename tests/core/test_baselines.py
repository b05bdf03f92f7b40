"""Baselines: fitted on the LLM's train rows (and on all labeled rows), one registry, no crash on tiny or
one-class train sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.baselines.fit import (
    BASELINES,
    all_labeled_predictions,
    baseline_metrics,
    baseline_predictions,
    baseline_scores,
    linear_svm,
    logistic_regression,
)
from ibl_agents.config import BASELINE_NAMES, DataConfig
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.data.prepare import prepare_data
from ibl_agents.data.splits import Splits
from ibl_agents.evaluation.metrics import metrics
from tests.reference import SPLITS

ALL = list(BASELINES)


@pytest.fixture(scope="module")
def moons() -> tuple[Dataset, Splits]:
    """The paper's moons split: the first 20 train rows are shown, the 300-row test file is locked."""
    config = DataConfig(
        path=str(SPLITS / "moon_3655_300_train.csv"),
        test_path=str(SPLITS / "moon_3655_300_test.csv"),
        target="target",
        train_rows=20,
    )
    prepared = prepare_data(config)
    return prepared.dataset, prepared.splits


def test_registry_names_the_five_learners() -> None:
    assert ALL == [
        "logistic_regression",
        "k_nearest_neighbors",
        "linear_svm",
        "decision_tree",
        "gradient_boosting",
    ]


def test_unknown_name_lists_the_allowed_ones(moons: tuple[Dataset, Splits]) -> None:
    with pytest.raises(
        ValueError, match=r"unknown baseline\(s\) \['svm'\]; choose from: logistic_regression, k_"
    ):
        baseline_scores(*moons, names=["svm"])


def test_default_is_logistic_regression_only(moons: tuple[Dataset, Splits]) -> None:
    scores = baseline_scores(*moons)
    assert list(scores) == ["logistic_regression"]
    assert set(scores["logistic_regression"]) == {"validation", "test"}
    assert set(scores["logistic_regression"]["test"]) == {"auc", "accuracy"}


def test_every_baseline_learns_moons_from_20_rows(moons: tuple[Dataset, Splits]) -> None:
    dataset, splits = moons
    predictions = baseline_predictions(dataset, splits, ALL)
    scores = baseline_scores(dataset, splits, ALL)
    labels = dataset.y.to_numpy()
    for name in ALL:
        test = predictions[name]["test"]
        assert test.shape == (300,)
        assert test.min() >= 0 and test.max() <= 1
        assert predictions[name]["validation"].shape == (len(splits.validation),)
        assert scores[name]["test"] == metrics(labels[splits.test], test)
        assert scores[name]["test"]["auc"] > 0.8, name


def test_refits_agree(moons: tuple[Dataset, Splits]) -> None:
    first = baseline_predictions(*moons, names=ALL)
    again = baseline_predictions(*moons, names=ALL)
    for name in ALL:
        np.testing.assert_array_equal(first[name]["test"], again[name]["test"])


def test_svm_score_thresholds_like_the_svm(moons: tuple[Dataset, Splits]) -> None:
    dataset, splits = moons
    model = linear_svm(len(splits.train)).fit(dataset.frame.iloc[splits.train], dataset.y.iloc[splits.train])
    scores = baseline_predictions(dataset, splits, ["linear_svm"])["linear_svm"]["test"]
    np.testing.assert_array_equal((scores >= 0.5).astype(int), model.predict(dataset.frame.iloc[splits.test]))


def test_single_class_train_gives_constant_chance_scores(moons: tuple[Dataset, Splits]) -> None:
    dataset, splits = moons
    positives = [i for i in splits.train if dataset.y.iloc[i] == 1]
    one_class = Splits(train=positives, folds=splits.folds, test=splits.test)
    scores = baseline_scores(dataset, one_class, ALL)
    share_positive = float(dataset.y.iloc[splits.test].mean())
    for name in ALL:
        assert scores[name]["test"] == {"auc": 0.5, "accuracy": share_positive}


def test_two_train_rows_run_every_baseline(moons: tuple[Dataset, Splits]) -> None:
    dataset, splits = moons
    tiny = Splits(train=[0, 1], folds=splits.folds, test=splits.test)  # labels 1, 0
    for name, per_split in baseline_predictions(dataset, tiny, ALL).items():
        assert np.isfinite(per_split["test"]).all(), name


def test_categorical_and_empty_columns_are_encoded_without_warnings() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    frame = pd.DataFrame(
        {
            "x": x,
            "colour": np.where(x > 0, "red", "blue"),
            "mostly_missing": [np.nan] * 40 + list(range(20)),  # empty in every train row
            "y": (x > 0).astype(int),
        }
    )
    frame.loc[50, "colour"] = "green"  # a category the train rows never show
    dataset = load_dataset(frame, "y")
    splits = Splits(train=list(range(12)), folds=[list(range(12, 40))], test=list(range(40, 60)))
    for name, per_split in baseline_scores(dataset, splits, ALL).items():
        assert per_split["test"]["auc"] > 0.9, name


def test_config_lists_exactly_the_registered_baselines() -> None:
    assert tuple(BASELINES) == BASELINE_NAMES


def _inverted_train_frame() -> tuple[Dataset, Splits]:
    """Four train rows whose labels run against x; the 100 validation and 40 test rows follow x > 0."""
    x = np.r_[[-2.0, -1.0, 1.0, 2.0], np.random.default_rng(3).normal(size=140)]
    y = (x > 0).astype(int)
    y[:4] = 1 - y[:4]
    dataset = load_dataset(pd.DataFrame({"x": x, "y": y}), "y")
    return dataset, Splits(train=[0, 1, 2, 3], folds=[list(range(4, 104))], test=list(range(104, 144)))


def test_all_labeled_baselines_are_fitted_on_train_and_validation_rows() -> None:
    dataset, splits = _inverted_train_frame()
    fitted = all_labeled_predictions(dataset, splits, ALL)
    assert list(fitted) == [f"{name}@all_labeled" for name in ALL]
    scores = baseline_metrics(dataset, splits, baseline_predictions(dataset, splits, ALL) | fitted)
    assert scores["logistic_regression"]["test"]["auc"] < 0.1  # the shown rows alone teach it backwards
    for name in ALL:
        assert scores[f"{name}@all_labeled"]["test"]["auc"] > 0.9, name
        assert scores[f"{name}@all_labeled"]["validation"] == {}  # in-sample: not scored
    labeled = splits.train + splits.validation
    by_hand = logistic_regression(len(labeled)).fit(dataset.frame.iloc[labeled], dataset.y.iloc[labeled])
    np.testing.assert_allclose(
        fitted["logistic_regression@all_labeled"]["test"],
        by_hand.predict_proba(dataset.frame.iloc[splits.test])[:, 1],
    )


def test_all_labeled_regressions_are_keyed_by_the_regressor() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=60)
    dataset = load_dataset(
        pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.1, size=60)}), "y", task="regression"
    )
    splits = Splits(train=list(range(10)), folds=[list(range(10, 40))], test=list(range(40, 60)))
    fitted = all_labeled_predictions(dataset, splits, ["logistic_regression", "linear_svm"])
    assert list(fitted) == ["ridge_regression@all_labeled", "linear_svr@all_labeled"]
    assert fitted["ridge_regression@all_labeled"]["test"].shape == (20,)
    assert baseline_metrics(dataset, splits, fitted)["ridge_regression@all_labeled"]["test"]["r2"] > 0.9
