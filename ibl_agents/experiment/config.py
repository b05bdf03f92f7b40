"""The experiment config: datasets x models x strategies x replicates, in one YAML file.

::

    name: paper_moons                  # the directory is <runs_dir>/exp-<name>/
    replicates: 3                      # replicate k runs with models.replicate = k
    baselines: [logistic_regression]   # default: every name in ibl_agents.baselines.fit.BASELINE_NAMES
    datasets:
      - name: moons
        path: splits/moon_{seed}_300_train.csv   # any [data] setting of `ibl run --config`
        test_path: splits/moon_{seed}_300_test.csv
        target: target
        seeds: [3655, 3656, 3657]      # one split per seed: fills {seed} in the paths and sets data.seed
        train_rows: [10, 20, 50]       # one split per size: the first N rows are shown (paper protocol)
        published: {label: GPT-4 one-shot (paper), outcomes: titanic_outcomes.tsv}
      - name: moons03                  # generated instead of read: see experiment.generated
        generate: {kind: moons, noise: 0.3, rows: 300, test_rows: 300}
        seeds: {first: 100, count: 20}   # shorthand for [100, 101, ..., 119]
    models:
      - local:qwen2.5-coder-1.5b       # a generator spec, or a mapping of [models] settings plus `name`
    strategies:                        # `name` plus any [loop] setting: strategy, feedback, max_iters, ...
      - {name: one-shot, strategy: one-shot}
      - {name: refine, strategy: refine, max_iters: 4}
    icl: true                          # also ask the LLM to label the test rows directly (default)
    refine:                            # [data]/[models]/[loop]/[sandbox] settings shared by every cell
      loop: {patience: 4}

Validation is strict and happens before anything runs: every mapping rejects unknown keys and lists the
allowed ones, and each entry is checked through ``config_from_mapping``, so a typo in the twelfth strategy
fails at once with its position. Relative paths are resolved against the YAML file's folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ibl_agents.config import BASELINE_NAMES, DataConfig, config_from_mapping
from ibl_agents.errors import ConfigError
from ibl_agents.experiment.generated import KINDS, ROWS, TARGET, GeneratedData
from ibl_agents.replicates.published import check_published

TOP_LEVEL = ("name", "datasets", "models", "strategies", "replicates", "baselines", "icl", "refine")
DATASET_KEYS = ("name", "seeds", "published", "generate", *(f.name for f in fields(DataConfig)))
GENERATE_KEYS = tuple(f.name for f in fields(GeneratedData))
SEED_RANGE_KEYS = ("first", "count")
# Settings the grid sets per cell; in `refine:` they would be silently overwritten.
SET_PER_CELL = ("name", "runs_dir", "data.path", "data.test_path", "data.target", "data.train_rows")
SET_PER_CELL += ("models.generator", "models.replicate", "loop.baselines")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # names become directory names


@dataclass(frozen=True)
class DatasetSpec:
    """One split family: ``data`` holds [data] settings; every train size in ``train_rows`` is a split."""

    name: str
    data: dict[str, Any]
    train_rows: tuple[int | None, ...] = (None,)
    seed: int | None = None
    published: dict[str, Any] | None = None
    generated: GeneratedData | None = None  # files written by the runner (``generated.place_generated``)


@dataclass(frozen=True)
class NamedSettings:
    """A model ([models] settings) or a strategy ([loop] settings) under the name the report shows."""

    name: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class ExperimentConfig:
    name: str
    datasets: tuple[DatasetSpec, ...]
    models: tuple[NamedSettings, ...]
    strategies: tuple[NamedSettings, ...]
    replicates: int = 3
    baselines: tuple[str, ...] = tuple(BASELINE_NAMES)
    icl: bool = True  # one ICL cell per (split, model, replicate): the LLM labels the test rows itself
    refine: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the YAML as given; copied into the experiment directory


def load_experiment(path: Path | str) -> ExperimentConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"experiment config not found: {path} (pass the path of a YAML file)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse {path} as YAML: {_one_line(exc)}") from None
    return experiment_from_mapping(values, base_dir=path.parent.resolve(), text=text)


def _one_line(error: yaml.YAMLError) -> str:
    """PyYAML's message spans lines (context, a caret under the spot); the line and column say the same."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    tab = "; YAML indents with spaces, not tabs" if "'\\t'" in problem else ""
    return f"{problem}{where}{tab}"


def experiment_from_mapping(values: Any, *, base_dir: Path, text: str = "") -> ExperimentConfig:
    """Validate a parsed config (see the module docstring); relative paths resolve against ``base_dir``."""
    top = _mapping(values, "the experiment config", TOP_LEVEL)
    missing = [key for key in ("name", "datasets", "models", "strategies") if key not in top]
    if missing:
        raise ConfigError(f"the experiment config needs {', '.join(missing)}; see examples/experiments/")
    replicates, baselines = top.get("replicates", 3), top.get("baselines", list(BASELINE_NAMES))
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 1:
        raise ConfigError(f"replicates must be a whole number >= 1, not {replicates!r}")
    if not isinstance(top.get("icl", True), bool):
        raise ConfigError(f"icl must be true or false, not {top['icl']!r}")
    unknown = [name for name in _list(baselines, "baselines") if name not in BASELINE_NAMES]
    if unknown:
        raise ConfigError(f"unknown baseline(s) {unknown}; choose from: {', '.join(BASELINE_NAMES)}")
    config = ExperimentConfig(
        name=_name(top["name"], "name"),
        datasets=tuple(
            spec
            for i, entry in enumerate(_list(top["datasets"], "datasets"))
            for spec in _datasets(entry, f"datasets[{i}]", base_dir)
        ),
        models=tuple(_model(entry, f"models[{i}]") for i, entry in enumerate(_list(top["models"], "models"))),
        strategies=tuple(
            _named(entry, f"strategies[{i}]", "loop")
            for i, entry in enumerate(_list(top["strategies"], "strategies"))
        ),
        replicates=replicates,
        baselines=tuple(baselines),
        icl=top.get("icl", True),
        refine=_shared(top.get("refine", {})),
        text=text,
    )
    _unique([d.name if d.seed is None else f"{d.name} seed {d.seed}" for d in config.datasets], "dataset")
    _unique([m.name for m in config.models], "model")
    _unique([s.name for s in config.strategies], "strategy")
    if "icl" in [s.name for s in config.strategies]:
        raise ConfigError("the strategy name icl is reserved for the ICL baseline; rename that strategy")
    return config


def describe(experiment: ExperimentConfig) -> dict[str, Any]:
    """What the report needs besides the cells: the order names were given in and published figures."""
    return {
        "name": experiment.name,
        "models": [model.name for model in experiment.models],
        "strategies": [strategy.name for strategy in experiment.strategies],
        "baselines": list(experiment.baselines),
        "icl": experiment.icl,
        "published": {d.name: d.published for d in experiment.datasets if d.published},
    }


def _datasets(entry: Any, where: str, base_dir: Path) -> list[DatasetSpec]:
    values = _mapping(entry, where, DATASET_KEYS)
    name = _name(values.pop("name", None), f"{where}.name")
    where = f"{where} ({name})"
    seeds, published = _seeds(values.pop("seeds", None), f"{where}.seeds"), values.pop("published", None)
    generated = _generated(values.pop("generate"), values, seeds, where) if "generate" in values else None
    sizes = values.pop("train_rows", None)
    sizes = tuple(_list(sizes, f"{where}.train_rows")) if isinstance(sizes, list) else (sizes,)
    specs = []
    for seed in seeds:
        data = {**values, **({"seed": seed} if seed is not None else {})}
        for key in ("path", "test_path"):
            if data.get(key):
                data[key] = str((base_dir / str(data[key]).replace("{seed}", str(seed))).resolve())
        for size in sizes:
            _check({"data": {**data, "train_rows": size}}, where)
        specs.append(
            DatasetSpec(name, data, sizes, seed, check_published(published, where, base_dir), generated)
        )
    return specs


def _seeds(value: Any, where: str) -> list[int | None]:
    """A list of whole numbers, or ``{first: N, count: K}`` for N, N+1, ..., N+K-1; absent: one split."""
    if value is None:
        return [None]
    if isinstance(value, dict):
        values = _mapping(value, where, SEED_RANGE_KEYS)
        first, count = values.get("first"), values.get("count")
        if not _whole(first) or not _whole(count) or count < 1:
            raise ConfigError(
                f"{where} as a range needs whole numbers first and count >= 1, e.g. {{first: 100,"
                f" count: 20}}; not {value}"
            )
        return list(range(first, first + count))
    seeds = _list(value, where)
    if not all(_whole(seed) for seed in seeds):
        raise ConfigError(f"{where} must be whole numbers (or {{first: N, count: K}}), not {seeds}")
    return seeds


def _generated(value: Any, data: dict[str, Any], seeds: list[int | None], where: str) -> GeneratedData:
    """``generate:`` checked; ``data`` gets the generated files' target (the paths come at run time)."""
    settings = _mapping(value, f"{where}.generate", GENERATE_KEYS)
    kind, noise = settings.get("kind"), settings.get("noise")
    rows, test_rows = settings.get("rows", ROWS), settings.get("test_rows", ROWS)
    given = [key for key in ("path", "test_path") if key in data]
    problems = [
        (kind not in KINDS, f"kind must be one of {', '.join(KINDS)}, not {kind!r}"),
        (
            not _number(noise) or noise < 0,
            f"noise must be a number >= 0 (std of the Gaussian noise on the features), not {noise!r}",
        ),
        (not _whole(rows) or rows < 4, f"rows must be a whole number >= 4, not {rows!r}"),
        (not _whole(test_rows) or test_rows < 2, f"test_rows must be a whole number >= 2, not {test_rows!r}"),
        (bool(given), f"the files are generated, so remove {' and '.join(given)} (or generate)"),
        (data.get("target", TARGET) != TARGET, f"the label column is {TARGET}; remove target"),
        (seeds == [None], "one split per seed: add seeds: [...] or seeds: {first: N, count: K}"),
    ]
    for failed, message in problems:
        if failed:
            raise ConfigError(f"{where}.generate: {message}")
    data["target"] = TARGET
    return GeneratedData(kind, float(noise), rows, test_rows)


def _model(entry: Any, where: str) -> NamedSettings:
    if isinstance(entry, str):
        entry = {"name": re.sub(r"[^A-Za-z0-9_.-]+", "-", entry).strip("-"), "generator": entry}
    return _named(entry, where, "models")


def _named(entry: Any, where: str, section: str) -> NamedSettings:
    values = dict(_mapping(entry, where, None))
    name = _name(values.pop("name", None), f"{where}.name")
    _check({section: values}, f"{where} ({name})")
    return NamedSettings(name, values)


def _shared(values: Any) -> dict[str, Any]:
    values = _mapping(values, "refine", None)
    _check(values, "refine")
    for dotted in SET_PER_CELL:
        section, _, key = dotted.partition(".")
        if (key and key in (values.get(section) or {})) or (not key and section in values):
            raise ConfigError(f"refine.{dotted} is set per cell by the grid; remove it from `refine:`")
    return values


def _check(values: dict[str, Any], where: str) -> None:
    """Unknown keys of a RefineConfig section, reported with where in the experiment config they are."""
    try:
        config_from_mapping(values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _mapping(value: Any, where: str, allowed: tuple[str, ...] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping of settings, not {type(value).__name__}")
    unknown = sorted(set(value) - set(allowed)) if allowed else []
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(allowed)}")
    return dict(value)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where} must be a non-empty list")
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SAFE_NAME.match(value):
        raise ConfigError(f"{where} must be a name of letters, digits, '_', '.' or '-', not {value!r}")
    return value


def _unique(names: list[Any], what: str) -> None:
    repeated = sorted({str(n) for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{what} name(s) {', '.join(repeated)} appear twice; give each entry its own name")
