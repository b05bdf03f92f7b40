"""Turning how a sandboxed process ended into an ``ExecutionResult``, whatever isolated it.

Both executors (Docker and the degraded process executor) collect the same facts: what arrived on
stdout (the runner's one frame) and the tail of stderr, whether the deadline or the output cap hit
first, the exit status, and whether the memory limit killed it. The rules that read those facts live
here once, so both report the same kind for the same fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.hardening import SandboxLimits
from sandbox.protocol import ProtocolError, decode_result
from sandbox.results import ExecutionResult, OutcomeKind
from sandbox.streams import Exchange

PROCESS_LIMIT_MARKERS = ("can't start new thread", "BlockingIOError", "Resource temporarily unavailable")
MEMORY_MARKERS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")
DETAIL_CHARS = 4000


@dataclass(frozen=True)
class Ending:
    """The facts about one finished (or killed) sandboxed run.

    ``status`` is None when the process was still running at the deadline; ``memory_killed`` is the
    backend's own evidence that the memory limit ended it (Docker's OOMKilled flag).
    """

    io: Exchange
    status: int | None
    memory_killed: bool = False


def judge(
    ending: Ending, expected: Mapping[str, int], limits: SandboxLimits, width: int | None = None
) -> ExecutionResult:
    """The outcome of one run; ``expected`` maps each frame sent to its number of rows, ``width`` is the
    number of values per row when a matrix was asked for."""
    io = ending.io
    stderr = io.stderr_tail.decode("utf-8", "replace")
    detail = stderr[-DETAIL_CHARS:]
    if io.over_limit:
        cap = limits.max_output_bytes
        return ExecutionResult(OutcomeKind.OUTPUT_LIMIT, message=f"wrote more than {cap} bytes of output")
    if io.timed_out or ending.status is None:
        limit = f"did not finish within {limits.timeout_s:g} s (killed)"
        return ExecutionResult(OutcomeKind.TIMEOUT, message=limit, detail=detail)
    try:
        return decode_result(io.stdout, expected, width)
    except ProtocolError as exc:
        why = str(exc)
    status = ending.status
    if ending.memory_killed or any(marker in stderr for marker in MEMORY_MARKERS):
        message = f"exceeded the memory limit of {limits.memory_mb} MiB (killed, exit {status})"
        return ExecutionResult(OutcomeKind.MEMORY_LIMIT, message=message, detail=detail)
    if any(marker in stderr for marker in PROCESS_LIMIT_MARKERS):
        message = f"hit the limit of {limits.pids} processes/threads (exit {status})"
        return ExecutionResult(OutcomeKind.PROCESS_LIMIT, message=message, detail=detail)
    stdout = f"; stdout had {len(io.stdout)} bytes" if io.stdout else ""
    message = f"the sandboxed process died with exit code {status} ({why}{stdout})"
    return ExecutionResult(OutcomeKind.CRASH, message=message, detail=detail)
