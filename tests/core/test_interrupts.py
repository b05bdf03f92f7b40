"""A SIGTERM that the kernel hands to a worker thread still stops a main thread stuck in a socket read."""

from __future__ import annotations

import signal
import subprocess
import sys

# The timer thread signals itself: what the kernel may do with a process-directed SIGTERM.
STUCK_MAIN_THREAD = """
import signal, socket, threading
from ibl_agents.interrupts import exit_cleanly_on_signals

exit_cleanly_on_signals()
server = socket.create_server(("127.0.0.1", 0))
silent = socket.create_connection(server.getsockname())
threading.Timer(0.5, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM)).start()
try:
    silent.recv(1)  # the peer never writes
finally:
    print("unwound", flush=True)
"""


def test_sigterm_delivered_to_a_worker_thread_unwinds_the_blocked_main_thread() -> None:
    result = subprocess.run(
        [sys.executable, "-c", STUCK_MAIN_THREAD], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert result.stdout == "unwound\n"
