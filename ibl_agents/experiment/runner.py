"""``run_experiment(config) -> ExperimentResult``: the one library call behind ``ibl experiment``.

Order of work: load the config -> name the files of its generated datasets and expand it -> write those
files and load every split once (a bad file fails before any model call) -> prepare the directory (plan,
stale check, delete half-run cells) -> run the unfinished cells on the chosen executor, at most
``workers`` at a time. Rerunning the same config resumes: finished cells are
skipped, never rerun.

Local executor: ``workers=1`` (the default: a local model serves one request at a time, and 2 cores are
busy with one) runs cells one after another in this thread, so Ctrl-C or SIGTERM unwinds the running cell
cleanly. ``workers>1`` runs them in threads; an interrupt then cancels the cells not started and lets the
running ones finish. Every local model the remaining cells use is started once and shared by all of them
(``local_server.shared_server``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from ibl_agents.data.prepare import prepare_data
from ibl_agents.errors import ConfigError
from ibl_agents.experiment.cell import CellOutcome, run_cell
from ibl_agents.experiment.config import ExperimentConfig, describe, load_experiment
from ibl_agents.experiment.generated import place_generated, write_generated
from ibl_agents.experiment.grid import Cell, expand
from ibl_agents.experiment.store import exclusive, experiment_dir, prepare
from ibl_agents.loop.artifacts import check_runs_dir
from ibl_agents.models.providers import is_local, open_chat_models

ExecutorName = Literal["local", "ray"]
EXECUTORS: tuple[str, ...] = ("local", "ray")
Log = Callable[[str], None]


@dataclass(frozen=True)
class ExperimentResult:
    directory: Path  # <runs_dir>/exp-<name>/; `ibl report` reads it
    cells: list[Cell]  # the whole grid, in run order
    ran: list[CellOutcome]  # cells run by this call, in order of completion
    skipped: list[str]  # ids of cells finished by an earlier call


def run_experiment(
    config: ExperimentConfig | Path | str,
    *,
    runs_dir: Path | str = "runs",
    executor: ExecutorName = "local",
    workers: int = 1,
    ray_address: str | None = None,
    log: Log = print,
) -> ExperimentResult:
    """Run (or resume) every unfinished cell of the experiment; see the module docstring."""
    experiment = config if isinstance(config, ExperimentConfig) else load_experiment(config)
    if executor not in EXECUTORS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, not {workers}")
    check_runs_dir(Path(runs_dir))
    directory = experiment_dir(runs_dir, experiment.name)
    experiment, generated = place_generated(experiment, directory)
    cells = expand(experiment)
    write_generated(generated)
    _load_every_split(cells)
    copy = experiment.text or json.dumps(asdict(experiment), indent=2)  # JSON is YAML too
    with exclusive(directory):
        todo = prepare(directory, copy, describe(experiment), cells)
        log(f"{directory}: {len(cells)} cells, {len(cells) - len(todo)} finished earlier, {len(todo)} to run")
        if executor == "ray":
            from ibl_agents.experiment.ray_runner import run_on_ray

            ran = run_on_ray(todo, directory, workers, ray_address, log)
        else:
            ran = _run_locally(todo, directory, workers, log)
    waiting = {cell.id for cell in todo}
    skipped = [cell.id for cell in cells if cell.id not in waiting]
    return ExperimentResult(directory, cells, ran, skipped)


def _load_every_split(cells: list[Cell]) -> None:
    """Load, audit and split each distinct dataset setting once, so a bad path or target fails up front."""
    seen: set[str] = set()
    for cell in cells:
        key = json.dumps(cell.config.to_json()["data"], sort_keys=True)
        if key not in seen:
            seen.add(key)
            prepare_data(cell.config.data)


def _run_locally(cells: list[Cell], directory: Path, workers: int, log: Log) -> list[CellOutcome]:
    ran: list[CellOutcome] = []

    def done(outcome: CellOutcome) -> None:
        ran.append(outcome)
        log(f"[{len(ran)}/{len(cells)}] {outcome.line()}")

    with _local_models_kept_up(cells, log):
        if workers == 1:
            for cell in cells:
                done(run_cell(cell, directory, log))
            return ran
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            for future in as_completed([pool.submit(run_cell, cell, directory, log) for cell in cells]):
                done(future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return ran


@contextmanager
def _local_models_kept_up(cells: list[Cell], log: Log) -> Iterator[None]:
    """Hold every local model the cells use open, so each refine() joins a running server instead of
    loading the weights again."""
    with ExitStack() as stack:
        opened: set[str] = set()
        for cell in cells:
            models = cell.config.models
            key = json.dumps([models.generator, models.critic, models.context_tokens])
            if key not in opened and (is_local(models.generator) or is_local(models.critic or "")):
                opened.add(key)
                stack.enter_context(open_chat_models(models, log=log))
        yield
