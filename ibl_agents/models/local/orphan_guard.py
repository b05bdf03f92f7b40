"""Run a server module in this process, and end it when the process that started it dies.

``python ibl_agents/models/local/orphan_guard.py PARENT_PID MODULE ARGS...`` runs
``python -m MODULE ARGS...`` (the llama.cpp server) with a daemon thread watching the parent. The
embedded model server runs in its own session so that stopping it takes its whole process group, which
also means a parent killed with SIGKILL (no cleanup runs) would leave it running and holding its model
in memory forever. When the parent goes, the
server's process group is killed within a second. With ``IBL_ADAPTIVE_THREADS`` set, the server
chooses its thread count per request (``adaptive_threads.py`` beside this file).

Run by file path, not ``-m ibl_agents...``: importing the package would load LangChain into the server.
The parent's death is noticed by polling ``getppid()`` (the orphan is re-parented), which works whichever
thread of the parent started the server; PR_SET_PDEATHSIG fires when that thread ends, too early.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import signal
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

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
    if most := os.environ.get("IBL_ADAPTIVE_THREADS"):  # adaptive_threads.ADAPTIVE_THREADS
        _adaptive_threads().install(int(most))
    sys.path[0] = os.getcwd()  # as under `python -m`: this file's folder would shadow top-level modules
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _adaptive_threads() -> ModuleType:
    """``adaptive_threads.py`` beside this file, by path (see the module docstring)."""
    spec = importlib.util.spec_from_file_location(
        "adaptive_threads", Path(__file__).with_name("adaptive_threads.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
