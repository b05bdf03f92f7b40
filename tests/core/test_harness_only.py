"""Harness-only models: the prompt's constants and example shape, fitted by the harness with no LLM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from ibl_agents.baselines.fit import baseline_metrics
from ibl_agents.baselines.harness_only import TEMPLATE, TEMPLATE_REGION, harness_only_predictions, template
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.data.splits import Splits

GRID = np.linspace(-2, 2, 8)
# x1 decides the label except in the box x1 <= -1 and x2 > 0 (8 of 64 rows), which is positive too.
BOX = pd.DataFrame([(a, b) for a in GRID for b in GRID], columns=["x1", "x2"])
IN_BOX = (BOX["x1"] <= -1) & (BOX["x2"] > 0)


def _splits(n_train: int, n_validation: int, n_test: int) -> Splits:
    validation = list(range(n_train, n_train + n_validation))
    return Splits(
        train=list(range(n_train)),
        folds=[validation],
        test=list(range(n_train + n_validation, n_train + n_validation + n_test)),
    )


def _signal(seed: int = 0, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "y": (x1 + 0.5 * x2 > 0).astype(int)})


def test_binary_template_is_the_example_term_summed_over_every_numeric_column() -> None:
    # Train rows 0-3. a: class means 2 and 6 (MIDPOINT 4), SPREAD sqrt(20/3), SEPARATION 4 / SPREAD;
    # b: class means 0 and 2 (MIDPOINT 1), SPREAD sqrt(2), SEPARATION sqrt(2); k is constant, s is text.
    frame = pd.DataFrame(
        {
            "a": [1, 3, 5, 7, 0, 0, 5, np.nan, 4],
            "b": [0, 0, 1, 3, 0, 0, 2, 2, 1],
            "k": [1.0] * 9,
            "s": list("xyzxyzxyz"),
            "y": [0, 0, 1, 1, 0, 1, 1, 0, 1],
        }
    )
    scores = harness_only_predictions(load_dataset(frame, "y"), _splits(4, 2, 3)).predictions[TEMPLATE]
    # a = 5, b = 2: 4 / (20/3) * 1 + sqrt(2) * 1 / sqrt(2) = 0.6 + 1; a missing adds 0; at both midpoints: 0
    np.testing.assert_allclose(scores["test"], expit([1.6, 1.0, 0.0]), rtol=1e-12)
    assert scores["validation"].shape == (2,)


def test_the_constants_come_from_the_train_rows_only() -> None:
    frame = _signal()
    dataset, splits = load_dataset(frame, "y"), _splits(20, 20, 20)
    probe = frame.drop(columns="y")
    before = template(dataset, splits.train)(probe)
    held_out = splits.validation + splits.test
    canaries = frame.copy()
    canaries.loc[held_out, ["x1", "x2"]] = 1e6  # extreme values in every validation and test row
    canaries.loc[held_out, "y"] = 1 - canaries.loc[held_out, "y"]  # and their labels flipped
    np.testing.assert_array_equal(template(load_dataset(canaries, "y"), splits.train)(probe), before)
    moved = frame.copy()
    moved.loc[0, "x1"] += 5.0  # one train row changes
    assert not np.allclose(template(load_dataset(moved, "y"), splits.train)(probe), before)


def test_no_score_of_the_entry_point_reads_a_held_out_label() -> None:
    frame = BOX.assign(y=((BOX["x1"] > 0) | IN_BOX).astype(int))
    frame = pd.concat([frame] * 3, ignore_index=True)  # train rows, then the same grid as validation and test
    splits = _splits(64, 64, 64)
    flipped = frame.copy()
    flipped.loc[64:, "y"] = 1 - flipped.loc[64:, "y"]
    first = harness_only_predictions(load_dataset(frame, "y"), splits)
    again = harness_only_predictions(load_dataset(flipped, "y"), splits)
    assert first.region_json() == again.region_json() and first.region is not None
    for name in (TEMPLATE, TEMPLATE_REGION):
        for split in ("validation", "test"):
            np.testing.assert_array_equal(first.predictions[name][split], again.predictions[name][split])


def test_the_region_adds_exactly_its_shift_inside_it() -> None:
    frame = pd.concat([BOX.assign(y=((BOX["x1"] > 0) | IN_BOX).astype(int))] * 2, ignore_index=True)
    dataset, splits = load_dataset(frame, "y"), _splits(64, 0, 64)
    result = harness_only_predictions(dataset, splits)
    region = result.region
    assert region is not None and region.label == 1 and region.shift > 0
    inside = region.inside(dataset.frame.iloc[splits.test])
    assert 0 < inside.sum() < len(inside)
    scores = result.predictions
    added = logit(scores[TEMPLATE_REGION]["test"]) - logit(scores[TEMPLATE]["test"])
    np.testing.assert_allclose(added, region.shift * inside, atol=1e-9)
    recorded = result.region_json()
    assert recorded["conditions"] == region.conditions and recorded["shift"] == region.shift
    metrics = baseline_metrics(dataset, splits, scores)
    assert metrics[TEMPLATE_REGION]["test"]["accuracy"] > metrics[TEMPLATE]["test"]["accuracy"]
    assert metrics[TEMPLATE]["validation"] == {}  # no validation rows here


def test_without_a_region_the_region_model_is_the_template() -> None:
    frame = pd.concat([BOX.assign(y=(BOX["x1"] > 0).astype(int))] * 2, ignore_index=True)
    result = harness_only_predictions(load_dataset(frame, "y"), _splits(64, 0, 64))
    assert result.region is None and result.region_json() is None
    np.testing.assert_array_equal(
        result.predictions[TEMPLATE_REGION]["test"], result.predictions[TEMPLATE]["test"]
    )


def _classes(n: int = 90) -> Dataset:
    x = np.linspace(0, 30, n)
    label = np.select([x < 10, x < 20], ["a", "b"], "c")
    return load_dataset(pd.DataFrame({"x": x, "k": 1.0, "y": label}).sample(frac=1, random_state=0), "y")


def test_multiclass_template_is_the_nearest_class_average_through_a_softmax() -> None:
    dataset, splits = _classes(), _splits(30, 30, 30)
    result = harness_only_predictions(dataset, splits)
    assert list(result.predictions) == [TEMPLATE] and result.region is None
    test = result.predictions[TEMPLATE]["test"]
    assert test.shape == (30, 3)
    np.testing.assert_allclose(test.sum(axis=1), 1.0)
    labels = dataset.y.to_numpy()[splits.test]
    assert (test.argmax(axis=1) == labels).mean() > 0.9  # a constant column (k) neither helps nor breaks it
    only_two = [i for i in splits.train if dataset.y.iloc[i] != 2]  # no train row of class c
    probabilities = template(dataset, only_two)(dataset.frame.iloc[splits.test])
    assert (probabilities[:, 2] == 0).all() and np.isfinite(probabilities).all()


def test_regression_template_is_target_mean_plus_correlation_weighted_terms() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    frame = pd.DataFrame(
        {"x": x, "noise": rng.normal(size=60), "y": 10 + 3 * x + rng.normal(0, 0.3, size=60)}
    )
    dataset, splits = load_dataset(frame, "y", task="regression"), _splits(20, 20, 20)
    test = harness_only_predictions(dataset, splits).predictions[TEMPLATE]["test"]
    assert test.shape == (20,)
    train = frame.iloc[splits.train]
    expected_x = (
        train["y"].std() * train["x"].corr(train["y"]) * (frame["x"] - train["x"].mean()) / train["x"].std()
    )
    expected_noise = (
        train["y"].std()
        * train["noise"].corr(train["y"])
        * (frame["noise"] - train["noise"].mean())
        / train["noise"].std()
    )
    expected = (train["y"].mean() + expected_x + expected_noise).to_numpy()[splits.test]
    np.testing.assert_allclose(test, expected, rtol=1e-9)
    assert baseline_metrics(dataset, splits, {TEMPLATE: {"test": test}})[TEMPLATE]["test"]["r2"] > 0.8


@pytest.mark.parametrize(
    ("task", "label", "prior"),
    [
        ("binary", [1, 0, 0, 0, 1, 0], [0.25] * 2),
        ("multiclass", ["a", "b", "b", "c", "a", "c"], [[0.25, 0.5, 0.25]] * 2),
        ("regression", [1.0, 2.0, 4.0, 5.0, 9.0, 9.0], [3.0] * 2),
    ],
)
def test_without_a_numeric_feature_the_template_is_the_train_prior(
    task: str, label: list, prior: list
) -> None:
    frame = pd.DataFrame({"colour": list("rgbrgb"), "y": label})
    scores = harness_only_predictions(load_dataset(frame, "y", task=task), _splits(4, 0, 2))
    np.testing.assert_allclose(scores.predictions[TEMPLATE]["test"], prior)
