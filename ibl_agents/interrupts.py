"""SIGTERM and Ctrl-C stop a run promptly even while its main thread waits on a silent model server.

The kernel hands a process-directed signal to any thread that does not block it. When that is one of
the worker threads (LangGraph's, the sandbox standby pool's, rich's refresh thread), Python's C-level
handler only records the signal, and the Python handler waits for the main thread, which may sit in a
socket read that never returns. So the run would neither exit nor remove its containers.

A daemon thread hears every signal through Python's wakeup fd and sends the main thread a no-op
SIGUSR1: the interrupted system call returns EINTR, and Python runs the recorded handlers right away.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

NUDGE = signal.SIGUSR1


def exit_cleanly_on_signals() -> None:
    """Turn SIGTERM into SystemExit(143) raised in the main thread, as soon as the signal arrives.

    The exit unwinds the context managers that stop the model server and remove the containers.
    Must be called from the main thread (Python only lets it set signal handlers).
    """
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
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


def _forward_to_main_thread(read_fd: int, main_thread_id: int) -> None:
    """Nudge the main thread for every signal but our own nudges (the wakeup fd carries one byte each)."""
    while received := os.read(read_fd, 64):
        if any(signum != NUDGE for signum in received):
            signal.pthread_kill(main_thread_id, NUDGE)
