"""Estimator parameters -> RefineConfig: plain values, validated by fit (never by __init__)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from ibl_agents import IBLClassifier
from ibl_agents.errors import ConfigError
from ibl_agents.estimators.params import PARAM_FIELDS, refine_config


def test_parameters_land_in_their_config_fields() -> None:
    params = IBLClassifier(
        "openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1", max_iters=3, train_rows=20, seed=5
    ).get_params()
    config = refine_config(params, "IBLClassifier")
    assert (
        config.models.generator == "openai:gpt-4o-mini" and config.models.base_url == "http://127.0.0.1:9/v1"
    )
    assert (config.loop.max_iters, config.data.train_rows, config.data.seed) == (3, 20, 5)
    assert config.data.test_fraction == 0.0  # sklearn's CV holds rows out, not the estimator
    assert config.loop.metric == "auto" and config.name == "IBLClassifier"  # None: the task's default


def test_every_mapped_parameter_is_a_constructor_parameter() -> None:
    assert set(PARAM_FIELDS) <= set(IBLClassifier().get_params())


def test_settings_reach_any_other_field() -> None:
    params = IBLClassifier(settings={"sandbox.timeout_s": 5, "loop.baselines": []}).get_params()
    config = refine_config(params, "IBLClassifier")
    assert config.sandbox.timeout_s == 5 and config.loop.baselines == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"loop.max_iters": 2},
            r"settings\['loop.max_iters'\] is the estimator parameter 'max_iters'; set max_iters=",
        ),
        ({"data.target": "y"}, r"cannot be set: the data is what fit\(X, y\) receives"),
        ({"timeout_s": 5}, r"not a dotted config field such as 'sandbox.timeout_s'; the sections are data,"),
        ({"loop.nope": 1}, r"unknown setting loop.nope"),
    ],
)
def test_bad_settings_name_the_fix(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        refine_config(IBLClassifier(settings=settings).get_params(), "IBLClassifier")


def test_init_stores_bad_values_and_fit_refuses_them_before_any_work(tmp_path) -> None:
    estimator = IBLClassifier(strategy="greedy", runs_dir=str(tmp_path / "runs"))
    assert estimator.strategy == "greedy"  # sklearn convention: __init__ only stores
    with pytest.raises(ConfigError, match=r"loop\.strategy must be one of refine, best-of-n, one-shot"):
        estimator.fit(np.zeros((10, 2)), [0, 1] * 5)
    assert not (tmp_path / "runs").exists()


def test_clone_keeps_every_parameter_including_the_model_factory() -> None:
    def factory() -> None:
        raise AssertionError("not called by clone")

    estimator = IBLClassifier("local:qwen2.5-coder-0.5b", settings={"sandbox.cpus": 0.5}, chat_models=factory)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert copy.chat_models is factory and copy.settings is not estimator.settings
