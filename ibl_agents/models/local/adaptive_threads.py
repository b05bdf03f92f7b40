"""The embedded llama.cpp server picks its thread count per request from the CPUs that are free then.

ggml's threads meet at a barrier after every operation and spin while they wait, so a thread that
shares its core with another CPU-bound process holds up all the others. On 2 cores with one such process
beside it (bench/local_server.py), 2 threads generated 0.29 tokens/s and evaluated prompts at 19.5
tokens/s, where 1 thread did 15.4 and 32.2; on a quiet machine 2 threads are the faster (23.7 and 67.7).
No fixed count is right for both, so before each request this watches the machine for a quarter second
and uses as many threads as CPUs stood idle (at least one). A competitor that starts during a reply is
not seen until the next request; on a host with more CPUs than this process may use, idle CPUs it
cannot use still count.

Loaded into the server process by ``orphan_guard.py`` beside it (by file path: importing ``ibl_agents``
would load LangChain there) when ``ADAPTIVE_THREADS`` is set to the most threads to use.
"""

from __future__ import annotations

import time
from typing import Any

ADAPTIVE_THREADS = "IBL_ADAPTIVE_THREADS"  # environment variable: the most threads a request may use
WINDOW_S = 0.25  # how long the machine is watched before a request: a container start is a shorter burst


def idle_cpus(window_s: float = WINDOW_S) -> float:
    """How many CPUs' worth of time went idle over ``window_s``, by the kernel's counters in /proc/stat.

    A process that keeps a CPU busy takes a whole one off; a short burst (the sandbox launching its next
    container as the model call starts) takes a fraction, which rounds away. Counting running processes
    instead caught such bursts and halved the threads of a call on a quiet machine.
    """
    before = _cpu_times()
    time.sleep(window_s)
    after = _cpu_times()
    busy, idle = (a - b for a, b in zip(after, before, strict=True))
    return _cpus_on_host() * idle / max(busy + idle, 1)


def _cpu_times() -> tuple[int, int]:
    """(busy, idle) jiffies of all CPUs so far."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(value) for value in stat.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, idle


def _cpus_on_host() -> int:
    with open("/proc/stat", encoding="ascii") as stat:
        return sum(1 for line in stat if line.startswith("cpu") and line[3].isdigit())


def threads_for_now(most: int) -> int:
    """The CPUs other processes leave idle, rounded, between 1 and ``most``."""
    return max(1, min(most, round(idle_cpus())))


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
