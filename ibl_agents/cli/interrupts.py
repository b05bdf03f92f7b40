"""SIGTERM and Ctrl-C stop a run promptly and for sure, wherever its main thread happens to be.

Two ways a stop request got lost before:
- The kernel hands a process-directed signal to any thread that does not block it. When that is a worker
  thread (LangGraph's, the sandbox standby pool's, rich's refresh thread), Python's C-level handler only
  records the signal, and the Python handler waits for the main thread, which may sit in a socket read
  from a model server that never answers. A daemon thread hears every signal through Python's wakeup fd
  and sends the main thread a no-op SIGUSR1: the blocked call returns EINTR and the handler runs at once.
- When the handler runs inside a ctypes callback (llama.cpp's log callback, before the tokenizer was
  loaded off the main thread: ``token_count``), the exception it raises is reported as "unraisable" and
  dropped, and the run goes on. The unraisable
  hook re-arms the signal, so it is raised again once the C code has returned to Python.
The exit unwinds the context managers that stop the model server and remove the containers.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from typing import Any

NUDGE = signal.SIGUSR1
REARM_DELAY_S = 0.05


class TerminationRequested(SystemExit):
    """SIGTERM, as an exit with the shell's code for it (128 + 15)."""


def exit_cleanly_on_signals() -> None:
    """Raise TerminationRequested on SIGTERM (KeyboardInterrupt on Ctrl-C, as usual) in the main thread
    as soon as the signal arrives. Must be called from the main thread (only it may set handlers)."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(NUDGE, lambda signum, frame: None)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    threading.Thread(
        target=_forward_to_main_thread,
        args=(read_fd, threading.main_thread().ident),
        daemon=True,
        name="signal-forwarder",
    ).start()
    sys.unraisablehook = _rearming(sys.unraisablehook)


def _terminate(signum: int, frame: Any) -> None:
    raise TerminationRequested(128 + signum)


def _forward_to_main_thread(read_fd: int, main_thread_id: int) -> None:
    """Nudge the main thread for every signal but our own nudges (the wakeup fd carries one byte each)."""
    while received := os.read(read_fd, 64):
        if any(signum != NUDGE for signum in received):
            signal.pthread_kill(main_thread_id, NUDGE)


def _rearming(previous: Any) -> Any:
    """An unraisable hook that signals the main thread again shortly (not at once: the handler would
    run inside this hook, which drops exceptions too), and again each time the exit is dropped.

    At most one re-arm is pending: a C loop that calls back many times (qsort's comparator, a log
    callback per line) drops the exit once per call, and one re-arm per drop would raise the exit again
    inside the cleanup the first one started (the finally blocks that stop servers and containers)."""
    pending = threading.Lock()

    def interrupt_main_once(signum: int) -> None:
        pending.release()
        _thread.interrupt_main(signum)

    def hook(unraisable: Any) -> None:
        signum = {TerminationRequested: signal.SIGTERM, KeyboardInterrupt: signal.SIGINT}.get(
            type(unraisable.exc_value)
        )
        if signum is None:
            previous(unraisable)
            return
        if not pending.acquire(blocking=False):
            return
        retry = threading.Timer(REARM_DELAY_S, interrupt_main_once, args=(signum,))
        retry.daemon = True
        retry.start()

    return hook
