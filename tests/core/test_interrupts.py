"""A SIGTERM is never lost: not when the kernel hands it to a worker thread while the main thread waits in
a socket read, and not when Python runs its handler inside a ctypes callback, which drops exceptions (once
per call back: the exit is raised again once, not once per drop, so it does not cut the cleanup short)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

PRELUDE = """
import ctypes, os, signal, socket, threading, time
from ibl_agents.cli.interrupts import exit_cleanly_on_signals

exit_cleanly_on_signals()
server = socket.create_server(("127.0.0.1", 0))
silent = socket.create_connection(server.getsockname())
"""
# The cleanup takes a while (stopping a server, removing containers): a second exit raised inside it
# would skip the rest, so the print shows the cleanup ran to its end.
STUCK_READ = """
try:
    silent.recv(1)  # the peer never writes
finally:
    time.sleep(0.3)
    print("unwound", flush=True)
"""
# The timer thread signals itself: what the kernel may do with a process-directed SIGTERM.
SIGNAL_TO_A_WORKER_THREAD = """
threading.Timer(0.5, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM)).start()
"""
# libc's qsort calls back into Python; the handler runs (and its exit is dropped) inside the comparator,
# as it does inside llama.cpp's log callback while the tokenizer loads.
SIGNAL_INSIDE_A_CTYPES_CALLBACK = """
@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
def compare(a, b):
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(10_000))  # bytecodes after the signal: the handler runs here
    time.sleep(0.02)  # C work between call backs: each drop of the exit comes at its own time
    return a[0] - b[0]
values = (ctypes.c_int * 8)(3, 1, 2, 8, 5, 7, 4, 6)
ctypes.CDLL(None).qsort(values, 8, ctypes.sizeof(ctypes.c_int), compare)
"""


@pytest.mark.parametrize(
    "trigger",
    [SIGNAL_TO_A_WORKER_THREAD, SIGNAL_INSIDE_A_CTYPES_CALLBACK],
    ids=["worker-thread", "ctypes-callback"],
)
def test_sigterm_unwinds_the_main_thread_blocked_in_a_read(trigger: str) -> None:
    script = PRELUDE + trigger + STUCK_READ
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert result.stdout == "unwound\n"
