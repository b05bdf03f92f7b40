"""The grid: an experiment config expanded into cells, each one ``refine()`` run with its own RefineConfig.

A cell is (dataset, seed, train size, model, strategy, replicate). Its RefineConfig merges, later
winning: RefineConfig defaults -> ``refine:`` -> the dataset's [data] -> the model's [models] -> the
strategy's [loop] -> the cell's coordinates (train_rows, models.replicate, loop.baselines).

With ``icl: true`` each (dataset, seed, train size, model, replicate) also gets one ICL cell (strategy
``icl``): the same LLM labels the locked test rows directly, once, whatever the strategies. Its [loop]
settings are left at their defaults, since ICL has no loop (changing one must not make it stale).

Cells run replicate-major: replicate 0 of every (dataset, model, strategy) comes before any replicate 1, so
an experiment stopped early still compares every strategy on the same replicates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from ibl_agents.config import RefineConfig, config_from_mapping
from ibl_agents.errors import ConfigError
from ibl_agents.experiment.config import DatasetSpec, ExperimentConfig, NamedSettings

SECTIONS = ("data", "models", "loop", "sandbox")
REFINE_ONLY = ("feedback", "fix_failures", "explore")  # [loop] settings no other strategy reads
SERVER_TUNING = ("local_threads", "local_prompt_cache_mb")  # [models] settings of the local server's CPU use
ICL = "icl"  # the strategy name of ICL cells; reserved
CellKind = Literal["code", "icl"]


@dataclass(frozen=True)
class Cell:
    id: str  # also the cell's directory name
    dataset: str
    seed: int | None
    train_rows: int | None
    model: str
    strategy: str
    replicate: int
    config: RefineConfig  # runs_dir is set when the cell runs
    kind: CellKind = "code"  # code: a refine() run; icl: the ICL baseline

    def coordinates(self) -> dict[str, Any]:
        keys = ("id", "kind", "dataset", "seed", "train_rows", "model", "strategy", "replicate")
        return {key: getattr(self, key) for key in keys}

    def fingerprint(self) -> str:
        """Hash of everything that decides the cell's result: a finished cell whose config changed since
        is stale, and resuming refuses to mix it in."""
        settings = {**self.config.to_json(), "runs_dir": None}
        del settings["checkpoint_db"]  # where checkpoints go decides nothing; older cells hashed without it
        for key in SERVER_TUNING:  # how the local server spends CPU and memory decides no reply
            del settings["models"][key]
        if settings["loop"]["cut_off"] == "score":  # what cells did before the setting existed
            del settings["loop"]["cut_off"]
        if self.kind == "icl" or self.config.loop.strategy != "refine":
            # Only refine reads these: a new feedback channel must not make best-of-n cells stale.
            settings["loop"] = {k: v for k, v in settings["loop"].items() if k not in REFINE_ONLY}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def expand(experiment: ExperimentConfig) -> list[Cell]:
    unplaced = sorted({d.name for d in experiment.datasets if d.generated and not d.data.get("path")})
    if unplaced:  # a caller's mistake: run_experiment places them
        raise ConfigError(f"dataset(s) {unplaced} are generated: call generated.place_generated first")
    strategies: list[NamedSettings | None] = [*experiment.strategies, *([None] if experiment.icl else [])]
    cells = [
        _cell(experiment, dataset, size, model, strategy, replicate)
        for replicate in range(experiment.replicates)
        for dataset in experiment.datasets
        for size in dataset.train_rows
        for model in experiment.models
        for strategy in strategies
    ]
    ids = [cell.id for cell in cells]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise ConfigError(f"cells {clashes} have the same id; rename the datasets, models or strategies")
    return cells


def cell_id(dataset: str, seed: int | None, train_rows: int | None, model: str, strategy: str, k: int) -> str:
    parts = [dataset, f"s{seed}" if seed is not None else "", f"n{train_rows}" if train_rows else ""]
    return "-".join(part for part in [*parts, model, strategy, f"r{k}"] if part)


def _cell(
    experiment: ExperimentConfig,
    dataset: DatasetSpec,
    size: int | None,
    model: NamedSettings,
    strategy: NamedSettings | None,  # None: the ICL cell
    replicate: int,
) -> Cell:
    strategy_name = strategy.name if strategy else ICL
    name = cell_id(dataset.name, dataset.seed, size, model.name, strategy_name, replicate)
    values: dict[str, Any] = {section: dict(experiment.refine.get(section, {})) for section in SECTIONS}
    values["data"].update(dataset.data, train_rows=size)
    values["models"].update(model.settings, replicate=replicate)
    loop = {**values["loop"], **strategy.settings} if strategy else {}  # ICL has no loop
    values["loop"] = {**loop, "baselines": list(experiment.baselines)}
    try:
        config = config_from_mapping({**values, "name": name}).validate()
    except ConfigError as exc:  # values of the wrong type too (config_from_mapping checks them)
        raise ConfigError(f"cell {name}: {exc}") from None
    kind: CellKind = "code" if strategy else "icl"
    return Cell(name, dataset.name, dataset.seed, size, model.name, strategy_name, replicate, config, kind)
