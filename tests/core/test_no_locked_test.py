"""``data.test_fraction = 0``: no locked test split (the sklearn estimators' default), what it leaves out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.baselines.fit import BASELINES, baseline_predictions, baseline_scores
from ibl_agents.config import RefineConfig
from ibl_agents.data.dataset import load_dataset
from ibl_agents.data.splits import make_splits
from ibl_agents.errors import ConfigError


def _labels() -> pd.Series:
    return pd.Series([0, 1] * 30)


def test_every_row_is_train_or_validation() -> None:
    splits = make_splits(_labels(), seed=0, n_folds=3, test_fraction=0.0, train_fraction=0.5)
    assert splits.test == []
    assert sorted(splits.train + splits.validation) == list(range(60))
    assert len(splits.train) == 30 and len(splits.folds) == 3


def test_baselines_have_no_test_metrics_without_test_rows(signal_frame: pd.DataFrame) -> None:
    dataset = load_dataset(signal_frame, "y")
    splits = make_splits(dataset.y, seed=0, n_folds=3, test_fraction=0.0, train_fraction=0.5)
    scores = baseline_scores(dataset, splits, list(BASELINES))
    assert all(split["test"] == {} for split in scores.values())
    assert scores["logistic_regression"]["validation"]["auc"] > 0.9
    assert baseline_predictions(dataset, splits)["logistic_regression"]["test"].shape == (0,)


def test_config_accepts_zero_and_still_refuses_negative() -> None:
    config = RefineConfig()
    config.data.test_fraction = 0.0
    config.validate()
    config.data.test_fraction = -0.1
    with pytest.raises(ConfigError, match=r"data.test_fraction must be >= 0 \(0: no locked test split\)"):
        config.validate()


def test_a_fraction_still_carves_test_rows() -> None:
    splits = make_splits(_labels(), seed=0, n_folds=3, test_fraction=0.2, train_fraction=0.5)
    assert len(splits.test) == 12 and not set(splits.test) & set(splits.train + splits.validation)
    assert np.bincount(_labels().to_numpy()[splits.test]).tolist() == [6, 6]
