"""``resume(run_dir) -> RunSummary``: continue a killed run from its last completed step (``ibl resume``).

A resume keeps the experiment: it reloads the run's config.json (only the settings in ``RESUMABLE``, which
change where or how patiently the run works but not what it computes, may be overridden), re-reads the
data and checks it against manifest.json (file sha256, split indices), and continues the run's LangGraph
thread (checkpoint.json) with ``invoke(None, thread)``. Every step was checkpointed before the next one
began, so finished model calls and sandbox runs are not repeated and their files stay as they were; the
step that was running when the process died runs again from its start.

The clock: the time between the last checkpoint and the resume is not counted, so ``max_wall_s``,
``elapsed_s`` and ``wall_s`` measure the time the run was working.

A run that already finished (summary.json exists) is not run again: ``resume`` logs that and returns the
summary it wrote, so running ``ibl resume`` twice is harmless.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from langgraph.types import StateSnapshot

from graphs.context import RunContext
from graphs.refinement import build_refinement_graph
from ibl_agents.config import RefineConfig, apply_overrides, config_from_mapping
from ibl_agents.data.prepare import PreparedData, prepare_data
from ibl_agents.errors import ConfigError, ResumeError
from ibl_agents.loop.artifacts import read_json
from ibl_agents.loop.events import ResumeEvent, WarningEvent
from ibl_agents.models.providers import ChatModels
from ibl_agents.run.checkpoints import SQLITE_FILE, RunThread, open_checkpointer, recorded_thread, working_on
from ibl_agents.run.refine import RunSummary, complete_run
from ibl_agents.run.session import EventSink, event_sink, open_run_parts
from sandbox.executor import Executor

# The settings a resume may change, and why each leaves the experiment as it was.
RESUMABLE: dict[str, str] = {
    "sandbox.backend": "docker and process run the same runner on the same rows",
    "models.base_url": "the same model, served at another address",
    "models.timeout_s": "how long one model call may take, not what it answers",
    "models.cache": "replayed replies are the replies the model gave",
}
DATA_CHECKS = ("sha256", "test_sha256", "target", "features", "rows", "splits")


def resume(
    run_dir: Path | str,
    *,
    overrides: dict[str, Any] | None = None,
    frame: pd.DataFrame | None = None,
    on_event: EventSink | None = None,
    executor: Executor | None = None,
    models: ChatModels | None = None,
    log: Callable[[str], None] = print,
) -> RunSummary:
    """Continue the run in ``run_dir``; ``frame`` is needed when the run was given a DataFrame."""
    run_dir = Path(run_dir)
    config = read_run_config(run_dir, overrides)
    thread = recorded_thread(run_dir)
    if thread is None:
        raise ResumeError(f"{run_dir} has no checkpoint.json: it was started by an older ibl; rerun it")
    if (run_dir / "summary.json").is_file():
        log(f"{run_dir} finished earlier; nothing to resume")
        return _finished_summary(run_dir)
    with working_on(run_dir):
        snapshot = _restart_clock(run_dir, thread)
        prepared = _same_data(run_dir, config, frame)
        with open_run_parts(config, prepared, executor=executor, models=models, log=log) as parts:
            emit = event_sink(run_dir, on_event)
            values = snapshot.values
            emit(
                ResumeEvent(
                    event="resume",
                    run_dir=str(run_dir),
                    checkpoint_store=thread.store,
                    next=list(snapshot.next),
                    iteration=values.get("iteration", 0),
                    candidates_kept=len(values.get("candidates", [])),
                    sandbox=parts.executor.description,
                    generator=parts.models.generator_name,
                    critic=parts.models.critic_name,
                )
            )
            for warning in parts.warnings:
                emit(WarningEvent(event="warning", message=warning))
            context = RunContext(
                config, prepared.dataset, prepared.splits, parts.executor, parts.models, run_dir, emit
            )
            return complete_run(context, thread, None, parts.warnings)


def read_run_config(run_dir: Path, overrides: dict[str, Any] | None = None) -> RefineConfig:
    """The run's config.json with the allowed ``overrides`` (dotted keys; None values are ignored)."""
    path = run_dir / "config.json"
    if not (run_dir / "manifest.json").is_file() or not path.is_file():
        raise ResumeError(
            f"{run_dir} is not a run directory (no config.json and manifest.json): pass runs/<id> as"
            " printed by ibl run"
        )
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    refused = sorted(set(given) - set(RESUMABLE))
    if refused:
        raise ConfigError(
            f"{', '.join(refused)} cannot change on resume (the run would be another experiment);"
            f" a resume may change only {', '.join(RESUMABLE)}"
        )
    config = config_from_mapping(read_json(path))
    return apply_overrides(config, given).validate()


def _restart_clock(run_dir: Path, thread: RunThread) -> StateSnapshot:
    """The thread's last checkpoint; moves the run's start forward by the time it was down.

    Checked before the data, which may take long to read; a resume that then fails leaves a checkpoint
    that only moved the start, and the next resume counts its downtime from there.
    """
    if thread.checkpoint_db is None and not (run_dir / SQLITE_FILE).is_file():
        raise ResumeError(f"{run_dir} has no {SQLITE_FILE}: the run stopped before its first step; rerun it")
    with open_checkpointer(run_dir, thread.checkpoint_db) as saver:
        graph = build_refinement_graph(saver)
        snapshot = graph.get_state(thread.config)
        if snapshot.created_at is None:
            raise ResumeError(
                f"{run_dir}: no checkpoint of thread {thread.thread_id} in {thread.store}; the run stopped"
                " before its first step: rerun it"
            )
        if snapshot.next and "started_at" in snapshot.values:
            down_s = time.time() - datetime.fromisoformat(snapshot.created_at).timestamp()
            graph.update_state(thread.config, {"started_at": snapshot.values["started_at"] + down_s})
    return snapshot


def _same_data(run_dir: Path, config: RefineConfig, frame: pd.DataFrame | None) -> PreparedData:
    """Prepare the data as the run did; raise ResumeError naming what differs from manifest.json."""
    recorded = read_json(run_dir / "manifest.json")
    if frame is None and not config.data.path:
        raise ResumeError(f"{run_dir} was run on a DataFrame: pass the same one, resume(run_dir, frame=df)")
    for key, path in (("sha256", config.data.path), ("test_sha256", config.data.test_path)):
        if frame is None and path and not Path(path).is_file():
            raise ResumeError(
                f"the run's data file {path} is not there: resume from the directory the run started in,"
                f" or restore the file (sha256 {recorded.get(key)})"
            )
    prepared = prepare_data(config.data, frame)
    now = json.loads(json.dumps(prepared.manifest, default=str))
    changed = [key for key in DATA_CHECKS if now.get(key) != recorded.get(key)]
    if changed:
        what = ", ".join(
            f"{key} {_short(recorded.get(key))} -> {_short(now.get(key))}" if "sha256" in key else key
            for key in changed
        )
        raise ResumeError(
            f"the data differs from the run's manifest.json ({what}): restore the data the run started"
            " with, or start a new run with ibl run"
        )
    return prepared


def _short(value: Any) -> str:
    return str(value)[:12] if value else "none"


def _finished_summary(run_dir: Path) -> RunSummary:
    values = read_json(run_dir / "summary.json")
    try:
        return RunSummary(**values)
    except TypeError as exc:
        raise ResumeError(f"{run_dir}/summary.json was written by another ibl version ({exc})") from None
