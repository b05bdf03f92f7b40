"""The embedded llama.cpp server picks its thread count per request from the CPUs that are free then.

ggml's threads meet at a barrier after every operation and spin while they wait, so a thread that
shares its core with another CPU-bound process holds up all the others. On 2 cores with one such process
beside it (bench/local_server.py), 2 threads generated 0.29 tokens/s and evaluated prompts at 19.5
tokens/s, where 1 thread did 15.4 and 32.2; on a quiet machine 2 threads are the faster (23.7 and 67.7).
No fixed count is right for both, so before each request this counts the processes running besides the
server and uses the CPUs they leave (at least one). A competitor that starts during a reply is not
seen until the next request.

Loaded into the server process by ``server_guard.py`` (by file path: importing ``ibl_agents`` would
load LangChain there) when ``ADAPTIVE_THREADS`` is set to the most threads to use.
"""

from __future__ import annotations

import os
import time
from typing import Any

ADAPTIVE_THREADS = "IBL_ADAPTIVE_THREADS"  # environment variable: the most threads a request may use
SAMPLES = 5
SAMPLE_GAP_S = 0.01


def running_elsewhere() -> int:
    """Processes (threads) running or runnable besides the one asking, the fewest of a few samples: a
    process that keeps a CPU busy shows in each, one that only passes by (the client's own) does not."""
    counts = []
    for _ in range(SAMPLES):
        with open("/proc/stat", encoding="ascii") as stat:
            running = next(int(line.split()[1]) for line in stat if line.startswith("procs_running"))
        counts.append(running - 1)
        time.sleep(SAMPLE_GAP_S)
    return max(0, min(counts))


def threads_for_now(most: int) -> int:
    """The CPUs the other running processes leave free, between 1 and ``most``."""
    free = len(os.sched_getaffinity(0)) - running_elsewhere()
    return max(1, min(most, free))


def install(most: int) -> None:
    """Make every chat completion of this process's llama.cpp models set its thread count first."""
    import llama_cpp

    answer = llama_cpp.Llama.create_chat_completion

    def create_chat_completion(self: llama_cpp.Llama, *args: Any, **kwargs: Any) -> Any:
        threads = threads_for_now(most)
        llama_cpp.llama_set_n_threads(self._ctx.ctx, threads, threads)
        print(f"ibl-agents: {threads} thread(s) for this request", flush=True)
        return answer(self, *args, **kwargs)

    llama_cpp.Llama.create_chat_completion = create_chat_completion
