"""Run a server module in this process, and end it when the process that started it dies.

``python server_guard.py PARENT_PID MODULE ARGS...`` runs ``python -m MODULE ARGS...`` (the llama.cpp
server) with a daemon thread watching the parent. The embedded model server runs in its own session so
that stopping it takes its whole process group, which also means a parent killed with SIGKILL (no
cleanup runs) would leave it running and holding its model in memory forever. When the parent goes, the
server's process group is killed within a second.

Run by file path, not ``-m ibl_agents...``: importing the package would load LangChain into the server.
The parent's death is noticed by polling ``getppid()`` (the orphan is re-parented), which works whichever
thread of the parent started the server; PR_SET_PDEATHSIG fires when that thread ends, too early.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import time

POLL_S = 0.5


def _end_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    if os.getpgrp() == os.getpid():  # our own session: take everything we started along
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    parent, module, *args = sys.argv[1:]
    threading.Thread(target=_end_with_parent, args=(int(parent),), daemon=True, name="parent-watch").start()
    sys.path[0] = os.getcwd()  # as under `python -m`: this file's folder would shadow top-level modules
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
