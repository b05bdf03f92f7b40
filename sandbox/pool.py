"""Scoring several candidates at once, at most ``workers`` at a time, without interfering.

Each worker thread opens its own executor (a ``DockerExecutor`` is not meant to be shared between
threads, and one per thread also gives each its own pre-started container). Every candidate still gets
a fresh container or process with its own limits, so a fork bomb in one cannot starve another: the
pids, memory and CPU limits are per container (for the process executor: see ``sandbox.confinement``,
where RLIMIT_NPROC is per user, the one place candidates can meet).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from sandbox.executor import Executor
from sandbox.results import ExecutionResult

Job = tuple[str, Mapping[str, pd.DataFrame]]  # (code, frames), as for Executor.run


class ExecutorPool:
    """A bounded pool of executors; a context manager that closes every executor it opened."""

    def __init__(self, open_executor: Callable[[], Executor], workers: int = 2) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._open = open_executor
        self._local = threading.local()
        self._opened: list[Executor] = []
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox-pool")

    def __enter__(self) -> ExecutorPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run_all(self, jobs: Sequence[Job]) -> list[ExecutionResult]:
        """Results in the order of ``jobs``; the model's faults are results, infrastructure errors raise."""
        return list(self._threads.map(lambda job: self._executor().run(*job), jobs))

    def _executor(self) -> Executor:
        executor = getattr(self._local, "executor", None)
        if executor is None:
            executor = self._local.executor = self._open()
            with self._lock:
                self._opened.append(executor)
        return executor

    def close(self) -> None:
        """Wait for running jobs, then close every executor; idempotent."""
        self._threads.shutdown(wait=True)
        with self._lock:
            opened, self._opened = self._opened, []
        for executor in opened:
            executor.close()
