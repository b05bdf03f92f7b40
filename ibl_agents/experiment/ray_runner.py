"""Cells as Ray tasks (``--executor ray``): the same ``run_cell``, scheduled by Ray.

Ray is the scale-out engine: a local Ray cluster sized to ``workers`` CPUs by default, or an existing
cluster through ``ray_address``. Each task runs ``run_cell`` unchanged, so a cell directory holds the same
summary and candidates as with the local executor. At most ``workers`` cells are in flight either way.

Tasks write into the experiment directory themselves, so on a multi-node cluster the experiment
directory and the datasets must be on a filesystem every node mounts at the same path. A task that uses
``local`` models starts its own model server for its cell (a Ray worker holds no server between tasks);
at scale, point ``base_url`` at one OpenAI-compatible server per node, or use a hosted provider.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ibl_agents.errors import ExperimentError
from ibl_agents.experiment.cell import CellOutcome, run_cell
from ibl_agents.experiment.grid import Cell

RAY_EXTRA = "pip install 'ibl-agents[ray]'"
OBJECT_STORE_BYTES = 128 * 1024**2  # results are a few hundred bytes; Ray's default takes 30 % of RAM


def run_on_ray(
    cells: list[Cell], directory: Path, workers: int, address: str | None, log: Callable[[str], None]
) -> list[CellOutcome]:
    ray = _import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        local = {} if address else {"num_cpus": workers, "object_store_memory": OBJECT_STORE_BYTES}
        ray.init(address=address, include_dashboard=False, log_to_driver=False, **local)
    task = ray.remote(num_cpus=1, max_retries=0)(run_cell)
    waiting, running, ran = list(cells), {}, []
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                cell = waiting.pop(0)
                running[task.remote(cell, str(directory), _quiet)] = cell
            ready, _ = ray.wait(list(running), num_returns=1)
            running.pop(ready[0])
            ran.append(_result(ray, ready[0]))
            log(f"[{len(ran)}/{len(cells)}] {ran[-1].line()}")
    finally:
        for ref in running:
            ray.cancel(ref)  # not forced: the task gets KeyboardInterrupt and refine() unwinds
        if started_here:
            ray.shutdown()
    return ran


def _result(ray: ModuleType, ref: Any) -> CellOutcome:
    """The task's outcome; a task's own error is re-raised as itself, not as Ray's wrapper."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = exc.cause if isinstance(exc.cause, ExperimentError) else None
        raise cause or ExperimentError(f"a Ray task failed: {exc}") from None


def _quiet(message: str) -> None:
    """Worker processes have no terminal (log_to_driver is off); progress lines come from the driver."""


def _import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise ExperimentError(f"--executor ray needs Ray: {RAY_EXTRA}") from None
    return ray
