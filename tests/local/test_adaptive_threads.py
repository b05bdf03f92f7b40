"""The embedded server takes as many threads per request as the other running processes leave CPUs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

from ibl_agents.models.local.adaptive_threads import idle_cpus, threads_for_now
from ibl_agents.models.local.bundled import ensure_model
from ibl_agents.models.local.server import LocalModelServer, ServerTuning

CPUS = len(os.sched_getaffinity(0))
BUSY_LOOP = "while True: pass"


def test_a_process_that_keeps_a_cpu_busy_takes_a_cpu_off() -> None:
    quiet = idle_cpus()
    hog = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        time.sleep(0.1)  # started and spinning
        assert idle_cpus() <= quiet - 0.7
        assert threads_for_now(CPUS) <= max(1, round(quiet) - 1)
    finally:
        hog.kill()
        hog.wait()


@pytest.mark.llm
def test_the_server_sets_its_threads_per_request(tmp_path: Path) -> None:
    with LocalModelServer(ensure_model("qwen2.5-coder-0.5b"), n_ctx=1024, log_dir=tmp_path) as server:
        chat = ChatOpenAI(base_url=server.base_url, api_key="sk-local", model=server.model_name, max_tokens=2)
        hogs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(CPUS)]
        try:
            chat.invoke("Say hi.")
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
        log = server.log_path.read_text(errors="replace")
    assert "ibl-agents: 1 thread(s) for this request" in log  # every CPU was taken: the fewest threads


def test_a_fixed_thread_count_turns_the_choice_off() -> None:
    assert ServerTuning(threads=3).environment() == {}
    assert ServerTuning(threads=3).argv()[:4] == ["--n_threads", "3", "--n_threads_batch", "3"]
    assert ServerTuning().environment() == {"IBL_ADAPTIVE_THREADS": str(CPUS)}
