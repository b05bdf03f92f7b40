"""The experiment directory: what was planned, what finished, and resuming without mixing in stale results.

::

    runs/exp-<name>/
      experiment.yaml        the config as given (rewritten on every start)
      experiment.json        what the report needs besides the cells: order of strategies, published figures
      running.lock           host:pid of the `ibl experiment` working here, while it runs
      cells.jsonl            the plan: one line per cell (coordinates, config fingerprint), in run order
      cells/<cell id>/
        <time>-<cell id>/    the cell's refine() run directory: summary.json, candidates/, events.jsonl, ...
        cell.json            done marker, written atomically after refine() returned

A cell is finished when its ``cell.json`` exists and the run directory it names holds ``summary.json``
whose run did not stop on a provider or sandbox error (those are not results: the cell runs again).
Anything else under ``cells/`` (a run killed halfway) is deleted when the experiment starts again and is
never counted. A finished cell whose configuration has changed since refuses to resume: its numbers would
silently describe another experiment. One process at a time works in a directory (``exclusive``): a second
one would delete the first one's running cells as half-run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ibl_agents.errors import ConfigError
from ibl_agents.experiment.grid import Cell
from ibl_agents.loop.artifacts import read_json, write_json, write_text
from sandbox.reaping import process_alive

DONE_MARKER = "cell.json"
PLAN = "cells.jsonl"
CONFIG_COPY = "experiment.yaml"
DESCRIPTION = "experiment.json"
LOCK = "running.lock"


# A cell that stopped on these is not a result (the model server or the sandbox failed): it is never
# marked finished and runs again on the next call; one marked finished by an older version runs again too.
INFRASTRUCTURE_STOPS = frozenset({"provider_error", "sandbox_error"})


def experiment_dir(runs_dir: Path | str, name: str) -> Path:
    return Path(runs_dir).resolve() / f"exp-{name}"


def cell_dir(directory: Path, cell_id: str) -> Path:
    return directory / "cells" / cell_id


def finished(directory: Path, cell_id: str) -> dict[str, Any] | None:
    """The done marker of a finished cell, with ``run_dir`` as an absolute path; None otherwise."""
    marker = cell_dir(directory, cell_id) / DONE_MARKER
    if not marker.is_file():
        return None
    record = read_json(marker)
    run_dir = cell_dir(directory, cell_id) / record["run_dir"]
    summary = run_dir / "summary.json"
    if not summary.is_file():
        return None
    stop = read_json(summary).get("stop_reason")
    return None if stop in INFRASTRUCTURE_STOPS else {**record, "run_dir": str(run_dir)}


def mark_finished(directory: Path, cell: Cell, run_dir: Path, extra: dict[str, Any]) -> None:
    record = {
        **cell.coordinates(),
        "fingerprint": cell.fingerprint(),
        "run_dir": run_dir.name,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **extra,
    }
    write_json(cell_dir(directory, cell.id) / DONE_MARKER, record)


def read_plan(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The experiment's description and its planned cells (coordinates), as ``prepare`` wrote them."""
    plan, description = directory / PLAN, directory / DESCRIPTION
    if not plan.is_file() or not description.is_file():
        raise ConfigError(
            f"{directory} is not an experiment directory (no {PLAN}); run `ibl experiment` first"
        )
    lines = plan.read_text(encoding="utf-8").splitlines()
    return read_json(description), [json.loads(line) for line in lines if line]


def prepare(directory: Path, config_text: str, description: dict[str, Any], cells: list[Cell]) -> list[Cell]:
    """Record the plan, check finished cells still match it, delete half-run cells; return those to run."""
    stale = [cell for cell in cells if _stale(directory, cell)]
    if stale:
        others = " (and the others)" if len(stale) > 1 else ""
        raise ConfigError(
            f"{len(stale)} finished cell(s) of {directory.name} were run with another configuration (first:"
            f" {stale[0].id}); rename the experiment, or delete {cell_dir(directory, stale[0].id)}{others}"
            " to rerun them"
        )
    directory.mkdir(parents=True, exist_ok=True)
    write_text(directory / CONFIG_COPY, config_text)
    write_json(directory / DESCRIPTION, description)
    lines = [json.dumps({**cell.coordinates(), "fingerprint": cell.fingerprint()}) for cell in cells]
    write_text(directory / PLAN, "\n".join(lines) + "\n")
    todo = [cell for cell in cells if finished(directory, cell.id) is None]
    for cell in todo:
        shutil.rmtree(cell_dir(directory, cell.id), ignore_errors=True)
    return todo


def _stale(directory: Path, cell: Cell) -> bool:
    record = finished(directory, cell.id)
    return record is not None and record["fingerprint"] != cell.fingerprint()


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Hold the directory's lock while the block runs; a lock left by a dead process on this host is taken
    over (a killed run is exactly what resuming is for)."""
    directory.mkdir(parents=True, exist_ok=True)
    lock, me = directory / LOCK, f"{socket.gethostname()}:{os.getpid()}"
    if lock.exists():
        host, _, pid = lock.read_text(encoding="utf-8").strip().rpartition(":")
        if host != socket.gethostname() or process_alive(int(pid) if pid.isdigit() else 0):
            raise ConfigError(
                f"another `ibl experiment` ({host} pid {pid}) is working in {directory}; wait for it to end,"
                f" or delete {lock} if that process is gone"
            )
        lock.unlink()
    with os.fdopen(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY), "w", encoding="utf-8") as handle:
        handle.write(me)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
    return True
