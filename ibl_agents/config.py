"""Typed configuration of one refinement run.

Values merge in a fixed order: defaults here -> config file (TOML or JSON) -> CLI flags. Unknown keys
are rejected at load time so a typo never silently falls back to a default. Secrets (API keys) are
never part of the config: providers read them from the environment.
"""

from __future__ import annotations

import json
import tomllib
import types
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ibl_agents.errors import ConfigError
from ibl_agents.scaffold import AIDS, DEFAULT_LEVEL, LABEL_AIDS, LEVELS, enabled_aids, scaffold_name
from ibl_agents.tasks import ALL_SELECTION_METRICS, AUTO, TASK_SETTINGS, TaskSetting, selection_metric
from sandbox.backends import SANDBOX_BACKENDS, SandboxBackend
from sandbox.hardening import SandboxLimits

METRICS: tuple[str, ...] = (AUTO, *ALL_SELECTION_METRICS)
Strategy = Literal["refine", "best-of-n", "one-shot"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)
CutOffPolicy = Literal["shorter", "score"]  # what the generator does with a cut-off reply: loop.cut_off
CUT_OFF_POLICIES: tuple[str, ...] = get_args(CutOffPolicy)
# What the generator hears about earlier candidates under `refine` (ablations switch channels off):
# tracebacks of failures, misclassified train rows, the critic LLM's prose (off: the evidence goes to the
# generator as is, without a critic call) and the best code so far with its score. Findings that write
# code for the LLM (the unused-column term, the error region's line) are scaffold aids (loop.aids).
FEEDBACK_CHANNELS: tuple[str, ...] = ("tracebacks", "misclassified_rows", "critic", "best_code")
# Named sets of settings (``ibl run --preset``). paper: the paper's protocol, one reply scored as is from
# the bare prompt (no repairs, no constants, no example shape), the only setting the README calls that.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"loop.strategy": "one-shot", "loop.scaffold": "bare", "loop.max_iters": 1},
}
PROMPT_MARGIN = 0.95  # share of (context - reply cap) the generator prompt may fill by default
BASELINE_NAMES: tuple[str, ...] = (
    "logistic_regression",
    "k_nearest_neighbors",
    "linear_svm",
    "decision_tree",
    "gradient_boosting",
)  # ibl_agents/baselines/fit.py BASELINES (not imported here: it pulls in scikit-learn for every command)


@dataclass
class DataConfig:
    """Where the labeled rows come from and how they are split."""

    path: str = ""  # CSV or Parquet file (a DataFrame can be passed to refine() directly instead)
    target: str = ""  # label column
    task: TaskSetting = "auto"  # binary, multiclass, regression; auto reads the target (ibl_agents.tasks)
    test_path: str | None = None  # file used as the locked test split instead of a random split
    train_rows: int | None = None  # show exactly the first N non-test rows (the paper's protocol)
    test_fraction: float = 0.2  # locked test share when no test file is given; 0: no locked test split
    train_fraction: float = 0.5  # share of the remaining rows shown to the LLM; the rest validate
    n_folds: int = 3  # validation folds; acceptance uses all of them
    drop_columns: list[str] = field(default_factory=list)  # features to remove before anything else
    drop_leaks: bool = False  # drop columns the audit flags as target leaks
    seed: int = 0


@dataclass
class ModelConfig:
    """Which chat models write and criticise code (``provider:model`` or ``local[:alias|path]``)."""

    generator: str = "local"
    critic: str | None = None  # None: same as the generator
    base_url: str | None = None  # any OpenAI-compatible server
    temperature: float = 0.7
    max_reply_tokens: int = 768  # a code model fits easily; long replies cost minutes on CPU
    # Seconds a model call may go without sending anything: replies are streamed, so a slow machine that
    # keeps producing tokens is never cut off, and a server that went silent is retried.
    timeout_s: float = 300.0
    context_tokens: int = 4096  # context window assumed for the local server and the prompt budget
    cache: bool = True  # replay replies stored by earlier runs with the same models and prompts
    cache_path: str | None = None  # SQLite file; default <cache dir>/responses.sqlite
    replicate: int = 0  # another number draws independent samples, each replayable from the cache
    # The embedded server's CPU and memory use (local models only): local_server.ServerTuning says why.
    local_threads: int | None = None  # None: chosen per request from the CPUs other processes leave
    local_prompt_cache_mb: int = 1024  # evaluated prompts kept for reuse; 0: off


@dataclass
class LoopConfig:
    """How candidates are produced, when the loop stops and how it judges candidates.

    ``strategy``: ``refine`` (generator -> sandbox -> critic -> generator ...), ``best-of-n``
    (``max_iters`` independent samples of the same kind of prompt, no feedback, best by validation; runs all
    n unless a budget ends it) or ``one-shot`` (one reply, no re-ask, scored as is: the paper's protocol).
    All three share the generator, extraction, contract and scoring, so they differ only in the loop.
    """

    strategy: Strategy = "refine"
    # How much the harness helps (ibl_agents/scaffold.py): bare (the paper's prompt), contract,
    # statistics or full; every aid that fired is recorded in each candidate, the summary and best_model.py.
    scaffold: str = DEFAULT_LEVEL
    aids: list[str] | None = None  # exactly these aids instead of the level's
    without_aids: list[str] = field(default_factory=list)  # the level's aids less these
    # False: the zero-row arm, the LLM sees the columns' names, types and ranges but no row and no label.
    show_rows: bool = True
    feedback: list[str] = field(default_factory=lambda: list(FEEDBACK_CHANNELS))
    baselines: list[str] = field(default_factory=lambda: list(BASELINE_NAMES))
    max_iters: int = 8
    # refine only: the first `explore` iterations are independent samples (the best-of-n prompt, no critic
    # call), and refinement starts from the best of them; 1 refines from the first candidate.
    explore: int = 1
    # refine only: a candidate that failed to run gets one focused fix prompt (its code and the exact
    # error, no critic call) before the loop goes back to rewriting from the best code and feedback.
    fix_failures: bool = True
    # A reply the reply cap cut off inside its code: "shorter" asks once more for shorter code and scores
    # one still cut off as reply_cut_off (never run, never sent to be fixed); "score" scores the fragment
    # as code (a syntax_error, which fix_failures may send back), as runs before 2026-12 did.
    cut_off: CutOffPolicy = "shorter"
    patience: int = 3  # iterations without a gain >= min_delta before stopping (plateau)
    min_delta: float = 0.005
    metric: str = "auto"  # selection metric (tasks.SELECTION_METRICS); auto: the task's default
    target_metric: float | None = None  # stop as soon as validation reaches this
    max_tokens_total: int | None = None
    max_cost: float | None = None  # US dollars, from ibl_agents/models/pricing.py; every model needs a price
    max_wall_s: float | None = None
    # Token budget of the whole generator prompt (the row sample fills what the rest leaves); None: the
    # context window less the reply cap (RefineConfig.prompt_budget).
    prompt_tokens: int | None = None
    misclassified_rows: int = 8  # train rows shown to the critic

    @property
    def enabled_aids(self) -> tuple[str, ...]:
        """The scaffold aids this loop uses (``ibl_agents.scaffold.enabled_aids``)."""
        return enabled_aids(self.scaffold, self.aids, self.without_aids)

    @property
    def scaffold_name(self) -> str:
        return scaffold_name(self.scaffold, self.aids, self.without_aids)


@dataclass
class SandboxConfig:
    """How candidates execute. Limits are per candidate evaluation (one container or process).

    ``backend``: ``docker`` (full isolation), ``process`` (degraded: bubblewrap + rlimits, see the
    README's sandbox section) or ``auto`` (Docker when its daemon answers, else ``process`` with a
    warning in the output and the summary).
    """

    backend: SandboxBackend = "docker"
    image: str | None = None  # default: the content-hashed tag built by `ibl sandbox build`
    timeout_s: float = 30.0
    memory_mb: int = 512
    cpus: float = 1.0
    pids: int = 128  # processes + threads
    tmp_mb: int = 64  # writable /tmp, also the largest file the code may write

    def limits(self) -> SandboxLimits:
        """The executor limits; raises ConfigError naming the field when a value is out of range."""
        try:
            return SandboxLimits(
                timeout_s=self.timeout_s,
                memory_mb=self.memory_mb,
                cpus=self.cpus,
                pids=self.pids,
                tmp_mb=self.tmp_mb,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc).replace("SandboxLimits.", "sandbox.")) from None


@dataclass
class RefineConfig:
    """Everything one `ibl run` needs; JSON-serializable and written to the run directory."""

    data: DataConfig = field(default_factory=DataConfig)
    models: ModelConfig = field(default_factory=ModelConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    name: str = ""  # run name; defaults to the dataset file's stem
    runs_dir: str = "runs"
    # Where LangGraph checkpoints go: None is <run dir>/checkpoints.sqlite; a postgresql://user@host/db
    # URL (no password: PGPASSWORD or ~/.pgpass) shares one database (ibl_agents/run/checkpoints.py).
    checkpoint_db: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def prompt_budget(self) -> int:
        """Tokens the generator prompt may fill: ``loop.prompt_tokens``, or the context window less the reply
        cap and a 5 % margin (prompts are counted with the bundled Qwen tokenizer; other models differ).

        A fixed 2400 left a 30-column Titanic prompt, whose constants alone take ~1150 tokens, room for
        two training rows; the context left for them was 3300.
        """
        if self.loop.prompt_tokens is not None:
            return self.loop.prompt_tokens
        return int((self.models.context_tokens - self.models.max_reply_tokens) * PROMPT_MARGIN)

    def validate(self) -> RefineConfig:
        """Check value ranges; raises ConfigError naming the field and the allowed values."""
        models = self.models
        checks: list[tuple[bool, str]] = [
            (self.loop.max_iters >= 1, "loop.max_iters must be >= 1"),
            (self.loop.patience >= 1, "loop.patience must be >= 1"),
            (
                1 <= self.loop.explore <= self.loop.max_iters,
                "loop.explore must be between 1 and loop.max_iters",
            ),
            (self.data.task in TASK_SETTINGS, f"data.task must be one of {', '.join(TASK_SETTINGS)}"),
            (self.loop.metric in METRICS, f"loop.metric must be one of {', '.join(METRICS)}"),
            (self.loop.strategy in STRATEGIES, f"loop.strategy must be one of {', '.join(STRATEGIES)}"),
            (
                self.loop.cut_off in CUT_OFF_POLICIES,
                f"loop.cut_off must be one of {', '.join(CUT_OFF_POLICIES)}",
            ),
            (
                set(self.loop.feedback) <= set(FEEDBACK_CHANNELS),
                f"loop.feedback may hold only {', '.join(FEEDBACK_CHANNELS)}",
            ),
            (self.loop.scaffold in LEVELS, f"loop.scaffold must be one of {', '.join(LEVELS)}"),
            (
                set(self.loop.aids or []) | set(self.loop.without_aids) <= set(AIDS),
                f"loop.aids and loop.without_aids may hold only {', '.join(AIDS)}",
            ),
            (
                set(self.loop.baselines) <= set(BASELINE_NAMES),
                f"loop.baselines may hold only {', '.join(BASELINE_NAMES)}",
            ),
            (
                0 <= self.data.test_fraction < 1,
                "data.test_fraction must be >= 0 (0: no locked test split) and < 1",
            ),
            (0 < self.data.train_fraction < 1, "data.train_fraction must be between 0 and 1"),
            (self.data.n_folds >= 1, "data.n_folds must be >= 1"),
            (self.data.train_rows is None or self.data.train_rows >= 2, "data.train_rows must be >= 2"),
            (
                self.sandbox.backend in SANDBOX_BACKENDS,
                f"sandbox.backend must be one of {', '.join(SANDBOX_BACKENDS)}",
            ),
            (
                self.prompt_budget >= 200,
                "loop.prompt_tokens must be >= 200 (unset: models.context_tokens must exceed"
                " models.max_reply_tokens by 211 or more)",
            ),
            (0 <= self.models.temperature <= 2, "models.temperature must be between 0 and 2"),
            (self.models.replicate >= 0, "models.replicate must be >= 0"),
            (self.models.timeout_s > 0, "models.timeout_s must be > 0"),
            (
                models.local_threads is None or models.local_threads >= 1,
                "models.local_threads must be >= 1 (unset: chosen per request)",
            ),
            (models.local_prompt_cache_mb >= 0, "models.local_prompt_cache_mb must be >= 0 (0: off)"),
            (self.loop.max_cost is None or self.loop.max_cost > 0, "loop.max_cost must be > 0"),
            (self.loop.max_wall_s is None or self.loop.max_wall_s > 0, "loop.max_wall_s must be > 0"),
            (
                self.loop.max_tokens_total is None or self.loop.max_tokens_total > 0,
                "loop.max_tokens_total must be > 0",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        shown_labels = {"contract", *LABEL_AIDS} & set(self.loop.enabled_aids)
        if not self.loop.show_rows and shown_labels:
            raise ConfigError(
                "loop.show_rows false (the zero-row arm) shows no labels and uses the bare prompt; these aids"
                f" need more: {', '.join(sorted(shown_labels))} (add --scaffold bare, or set"
                " loop.scaffold = bare)"
            )
        if self.data.task != AUTO:
            selection_metric(self.loop.metric, self.data.task)  # raises when the metric does not fit the task
        self.sandbox.limits()
        return self


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    """Instantiate a config dataclass, rejecting unknown keys with the list of allowed ones and values of
    the wrong type with the setting's name (``max_iters = "5"`` used to escape as a TypeError, and
    ``max_iters = 2.7`` silently ran 3 iterations)."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(unknown)} in [{where}]; allowed: {', '.join(sorted(known))}"
        )
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        sub = _SECTIONS.get(name) if cls is RefineConfig else None
        if sub is not None:
            if not isinstance(value, dict):
                raise ConfigError(f"[{name}] must be a table of settings")
            value = _build(sub, value, name)
        else:
            setting = name if cls is RefineConfig else f"{where}.{name}"
            kwargs[name] = _typed(value, hints[name], setting)
            continue
        kwargs[name] = value
    return cls(**kwargs)


_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}
_GIVEN = {**_TYPE_WORDS, bool: "a boolean", float: "a decimal number", list: "a list", dict: "a table"}


def _typed(value: Any, hint: Any, setting: str) -> Any:
    """``value`` if it has the type the setting declares (an int where a float is asked is widened),
    else ConfigError naming the setting, the expected type and what was given."""
    options = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    if value is None and type(None) in options:
        return None
    for option in options:
        if option is type(None):
            continue
        if get_origin(option) is Literal:
            option = type(get_args(option)[0])  # the allowed values themselves are checked by validate()
        if get_origin(option) is list:
            (item,) = get_args(option)
            if isinstance(value, list) and all(_is(element, item) for element in value):
                return list(value)
            continue
        if _is(value, option):
            return float(value) if option is float else value
    wanted = " or ".join(_describe(option) for option in options if option is not type(None))
    given = _GIVEN.get(type(value), type(value).__name__)
    raise ConfigError(f"{setting} must be {wanted}, not {value!r} ({given})")


def _is(value: Any, wanted: Any) -> bool:
    if wanted is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if wanted is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, wanted)


def _describe(option: Any) -> str:
    if get_origin(option) is Literal:
        return "one of " + ", ".join(map(str, get_args(option)))
    if get_origin(option) is list:
        return f"a list of {_describe(get_args(option)[0]).removeprefix('a ')}s"
    return _TYPE_WORDS.get(option, getattr(option, "__name__", str(option)))


_SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "models": ModelConfig,
    "loop": LoopConfig,
    "sandbox": SandboxConfig,
}


def config_from_mapping(values: dict[str, Any]) -> RefineConfig:
    """Build a config from nested mappings (file contents), rejecting unknown keys."""
    return _build(RefineConfig, values, "top level")


def load_config_file(path: Path) -> RefineConfig:
    """Read a TOML or JSON config file."""
    if path.is_dir():
        raise ConfigError(f"--config {path} is a folder; pass a .toml or .json file")
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    try:
        values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot parse config file {path}: {exc}") from exc
    if not isinstance(values, dict):
        raise ConfigError(
            f"config file {path} holds a {type(values).__name__}, not an object of sections"
            ' (e.g. {"loop": {"max_iters": 4}})'
        )
    return config_from_mapping(values)


def apply_overrides(config: RefineConfig, overrides: dict[str, Any]) -> RefineConfig:
    """Apply dotted ``section.field`` overrides (CLI flags); None means "flag not given"."""
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, name = dotted.partition(".")
        target = getattr(config, section) if name else config
        key = name or section
        if not hasattr(target, key):
            raise ConfigError(f"unknown setting {dotted}")
        setattr(target, key, value)
    return config
