"""Talking to a sandboxed subprocess over pipes: the process executor's twin of ``sandbox.streams``.

stdin gets the request, stdout carries only the runner's result frame, stderr whatever the code
printed (only its tail is kept). One ``selectors`` loop writes and reads at once, so a process that
prints before it has read its whole request cannot deadlock the host, and every step is bounded by
the deadline and the output cap.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from typing import IO

from sandbox.streams import CHUNK, STDERR_TAIL, Exchange


def exchange_pipes(
    process: subprocess.Popen[bytes], request: bytes, deadline: float, max_bytes: int
) -> Exchange:
    """Feed ``request`` to the process's stdin and read stdout/stderr until both close.

    Stops early when the deadline passes (``timed_out``) or more than ``max_bytes`` arrived
    (``over_limit``); the caller kills the process in both cases.
    """
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stdout, stderr = bytearray(), bytearray()
    total = 0
    pending = memoryview(request)
    with selectors.DefaultSelector() as selector:
        for stream in (process.stdout, process.stderr):
            os.set_blocking(stream.fileno(), False)
            selector.register(stream, selectors.EVENT_READ)
        os.set_blocking(process.stdin.fileno(), False)
        selector.register(process.stdin, selectors.EVENT_WRITE)
        while len(selector.get_map()) > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                return Exchange(bytes(stdout), bytes(stderr), timed_out=True)
            for key, _ in selector.select(timeout=left):
                if key.fileobj is process.stdin:
                    pending = _feed(process.stdin, pending, selector)
                    continue
                data = os.read(key.fd, CHUNK)
                if not data:
                    selector.unregister(key.fileobj)
                    continue
                total += len(data)
                if key.fileobj is process.stdout:
                    stdout += data
                else:
                    stderr += data
                    del stderr[:-STDERR_TAIL]
                if total > max_bytes:
                    return Exchange(bytes(stdout), bytes(stderr), over_limit=True)
    return Exchange(bytes(stdout), bytes(stderr))


def _feed(stdin: IO[bytes], pending: memoryview, selector: selectors.BaseSelector) -> memoryview:
    """Write what the pipe takes now; close stdin once the request is out or the reader has gone."""
    try:
        written = os.write(stdin.fileno(), pending[:CHUNK])
    except BlockingIOError:
        return pending
    except BrokenPipeError:  # it stopped reading (exited or died early): its exit status tells why
        written = len(pending)
    pending = pending[written:]
    if not pending:
        selector.unregister(stdin)
        stdin.close()
    return pending
