"""From an estimator's constructor parameters to the ``RefineConfig`` of one ``fit``.

The common settings are parameters of their own (so ``GridSearchCV`` can search them); every other
``RefineConfig`` field is reachable through ``settings``, a mapping of dotted names
(``{"sandbox.timeout_s": 10, "loop.max_cost": 0.5}``). A parameter that is None keeps the config's
default. Values are checked by ``RefineConfig.validate`` when ``fit`` runs, never in ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sklearn.base import BaseEstimator

from ibl_agents.config import RefineConfig, apply_overrides
from ibl_agents.errors import ConfigError
from ibl_agents.models.providers import ChatModels

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


class EstimatorParams(BaseEstimator):
    """The constructor of both estimators: it stores its arguments unchanged and does nothing else
    (sklearn's ``get_params``/``set_params``/``clone`` read them back by these names).

    ``chat_models``, for tests and for models built by hand: a function returning ``ChatModels``, called
    once per ``fit`` instead of building them from ``model``/``base_url``. A function (not a model
    object) because ``clone`` deep-copies parameters and fit must not change them.
    """

    def __init__(
        self,
        model: str = "local",
        *,
        critic_model: str | None = None,
        base_url: str | None = None,
        temperature: float = 0.7,
        max_iters: int = 8,
        strategy: str = "refine",
        patience: int = 3,
        metric: str | None = None,
        train_rows: int | None = None,
        train_fraction: float = 0.5,
        n_folds: int = 3,
        test_fraction: float = 0.0,
        seed: int = 0,
        sandbox: str = "docker",
        runs_dir: str = "runs",
        cache: bool = True,
        settings: dict[str, Any] | None = None,
        chat_models: Callable[[], ChatModels] | None = None,
        verbose: int = 0,
    ) -> None:
        self.model = model
        self.critic_model = critic_model
        self.base_url = base_url
        self.temperature = temperature
        self.max_iters = max_iters
        self.strategy = strategy
        self.patience = patience
        self.metric = metric
        self.train_rows = train_rows
        self.train_fraction = train_fraction
        self.n_folds = n_folds
        self.test_fraction = test_fraction
        self.seed = seed
        self.sandbox = sandbox
        self.runs_dir = runs_dir
        self.cache = cache
        self.settings = settings
        self.chat_models = chat_models
        self.verbose = verbose
