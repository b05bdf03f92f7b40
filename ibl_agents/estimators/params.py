"""From an estimator's constructor parameters to the ``RefineConfig`` of one ``fit``.

The common settings are parameters of their own (so ``GridSearchCV`` can search them); every other
``RefineConfig`` field is reachable through ``settings``, a mapping of dotted names
(``{"sandbox.timeout_s": 10, "loop.max_cost": 0.5}``). A parameter that is None keeps the config's
default. Values are checked by ``RefineConfig.validate`` when ``fit`` runs, never in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ibl_agents.config import RefineConfig, apply_overrides
from ibl_agents.errors import ConfigError

PARAM_FIELDS: dict[str, str] = {  # estimator parameter -> dotted RefineConfig field
    "model": "models.generator",
    "critic_model": "models.critic",
    "base_url": "models.base_url",
    "temperature": "models.temperature",
    "cache": "models.cache",
    "strategy": "loop.strategy",
    "max_iters": "loop.max_iters",
    "patience": "loop.patience",
    "metric": "loop.metric",
    "train_rows": "data.train_rows",
    "train_fraction": "data.train_fraction",
    "n_folds": "data.n_folds",
    "test_fraction": "data.test_fraction",
    "seed": "data.seed",
    "sandbox": "sandbox.backend",
    "runs_dir": "runs_dir",
}
SECTIONS = ("data", "models", "loop", "sandbox")
SET_BY_FIT = ("data.path", "data.target", "data.test_path")  # the data is fit's X and y


def refine_config(params: Mapping[str, Any], name: str) -> RefineConfig:
    """The config of one fit: defaults, then ``settings``, then the named parameters; validated."""
    settings = dict(params.get("settings") or {})
    for key in settings:
        owner = next((param for param, dotted in PARAM_FIELDS.items() if dotted == key), None)
        if owner is not None:
            raise ConfigError(
                f"settings[{key!r}] is the estimator parameter {owner!r}; set {owner}=... instead"
            )
        if key in SET_BY_FIT:
            raise ConfigError(f"settings[{key!r}] cannot be set: the data is what fit(X, y) receives")
        if key.partition(".")[0] not in SECTIONS or "." not in key:
            raise ConfigError(
                f"settings[{key!r}] is not a dotted config field such as 'sandbox.timeout_s'; the sections"
                f" are {', '.join(SECTIONS)} (fields in ibl_agents/config.py)"
            )
    config = RefineConfig(name=name)
    apply_overrides(config, settings)
    apply_overrides(config, {dotted: params.get(param) for param, dotted in PARAM_FIELDS.items()})
    return config.validate()
