"""The degraded process executor: the same runner and protocol as Docker, as a confined host subprocess.

For machines without a Docker engine (laptops, HPC nodes, CI without privileges). Each ``run`` starts
one fresh process (``sandbox.confinement`` builds its command line), feeds it the request over stdin
and reads the one result frame, exactly like the Docker executor; the same rules
(``sandbox.verdict``) turn how it ended into an outcome. What this isolation lacks compared with
Docker is in ``missing``, and ``isolation_warning`` says it loudly wherever the executor is used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sandbox import syscall_filter
from sandbox.confinement import (
    SANDBOX_ENV,
    HostTools,
    confined_command,
    filters_syscalls,
    limit_args,
    missing_isolation,
    unusable_reason,
)
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.hardening import DEFAULT_LIMITS, SandboxLimits
from sandbox.pipes import exchange_pipes
from sandbox.protocol import encode_request
from sandbox.results import ExecutionResult, OutcomeKind
from sandbox.verdict import Ending, judge

RUNNER = Path(__file__).with_name("runner.py")
SMOKE_TEST = "def predict(df):\n    return [0.5] * len(df)\n"
CPU_LIMIT_SIGNALS = (-signal.SIGXCPU, -signal.SIGKILL)


class ProcessExecutor:
    """Runs code models as confined host subprocesses; thread-safe (each run is its own process).

    Raises ``SandboxUnavailable`` when it must not or cannot run here (root without bubblewrap, or the
    interpreter not readable by the sandbox user): a one-run smoke test proves the set-up at start.
    """

    def __init__(self, limits: SandboxLimits = DEFAULT_LIMITS, tools: HostTools | None = None) -> None:
        self.limits = limits
        self.tools = tools or HostTools.find()
        refusal = unusable_reason(self.tools)
        if refusal is not None:
            raise SandboxUnavailable(refusal)
        self.missing = missing_isolation(self.tools)
        wrappers = [Path(t).name for t in (self.tools.prlimit, self.tools.bubblewrap) if t]
        self.description = (
            f"process (degraded) via {' + '.join(wrappers) or 'nothing'}: {limits.memory_mb} MiB "
            f"(address space), {limits.pids} tasks, {limits.timeout_s:g} s"
        )
        self.isolation_warning = "degraded sandbox (no Docker): " + "; ".join(self.missing)
        self._runner_dir: str | None = tempfile.mkdtemp(prefix="ibl-runner-")
        os.chmod(self._runner_dir, 0o755)
        shutil.copy(RUNNER, Path(self._runner_dir, "runner.py"))
        os.chmod(Path(self._runner_dir, "runner.py"), 0o644)
        self._confined = confined_command(self.tools, limits, self._runner_dir)
        self._filter_path: Path | None = None
        if filters_syscalls(self.tools):
            self._filter_path = Path(self._runner_dir, "syscalls.bpf")
            self._filter_path.write_bytes(syscall_filter.compiled_filter())
        smoke = self.run(SMOKE_TEST, {"smoke": pd.DataFrame({"x": [1.0]})})
        if smoke.kind is not OutcomeKind.OK:
            self.close()
            why = (smoke.detail.strip().splitlines() or [""])[-1]
            raise SandboxUnavailable(
                f"the process sandbox does not work on this host: {smoke.message} {why}".strip()
            )

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the runner's copy; idempotent. Nothing else outlives a run."""
        runner_dir, self._runner_dir = self._runner_dir, None
        if runner_dir is not None:
            shutil.rmtree(runner_dir, ignore_errors=True)

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        """Evaluate ``code`` on every frame in one fresh confined process; never raises for its faults."""
        if self._runner_dir is None:
            raise SandboxError("this ProcessExecutor is closed; create a new one")
        started = time.monotonic()
        expected = {str(name): len(df) for name, df in frames.items()}
        request = encode_request(code, frames, output_columns)
        width = len(output_columns) if output_columns else None
        with tempfile.TemporaryDirectory(prefix="ibl-sandbox-") as scratch:
            result = self._evaluate(request, expected, width, scratch)
        return dataclasses.replace(result, duration_s=time.monotonic() - started)

    def _evaluate(
        self, request: bytes, expected: Mapping[str, int], width: int | None, scratch: str
    ) -> ExecutionResult:
        """Start, exchange, wait, and kill the whole process group whatever happened."""
        if self.tools.is_root:  # without bubblewrap the scratch dir is the code's working directory
            os.chown(scratch, self.tools.sandbox_uid, self.tools.sandbox_uid)
        # Its own descriptor per run: bubblewrap reads the filter to the end, so runs must not share one.
        filter_fd = os.open(self._filter_path, os.O_RDONLY) if self._filter_path else None
        command = [*limit_args(self.tools, self.limits), *self._confined.argv(filter_fd)]
        deadline = time.monotonic() + self.limits.timeout_s
        try:
            process = subprocess.Popen(  # a fixed command line from sandbox.confinement
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=SANDBOX_ENV,
                cwd=scratch,
                start_new_session=True,
                close_fds=True,
                pass_fds=() if filter_fd is None else (filter_fd,),
            )
        except OSError as exc:
            message = f"could not start the sandboxed process: {type(exc).__name__}: {exc}"
            return ExecutionResult(OutcomeKind.SANDBOX_ERROR, message=message)
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        try:
            io = exchange_pipes(process, request, deadline, self.limits.max_output_bytes)
            status = None if io.timed_out or io.over_limit else _wait(process, deadline)
        finally:
            _kill_group(process)
        if status in CPU_LIMIT_SIGNALS:  # RLIMIT_CPU: the CPU-seconds form of the timeout
            status = None
        return judge(Ending(io, status), expected, self.limits, width)


def _wait(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    try:
        return process.wait(timeout=max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired:
        return None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the session's process group (bubblewrap's pid namespace dies with its first process)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
