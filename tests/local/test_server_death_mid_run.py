"""The embedded model server killed in the middle of a run: the run restarts it and carries on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.run.refine import refine
from tests.reference import SPLITS

pytestmark = [pytest.mark.llm, pytest.mark.docker]


def llama_servers() -> list[int]:
    """Pids of llama.cpp server processes on this machine (read from /proc, no extra dependency)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"llama_cpp.server" in cmdline:
                pids.append(int(entry.name))
    return pids


def test_killed_server_is_restarted_and_nothing_outlives_the_run(tmp_path: Path, sandbox_image: str) -> None:
    before = set(llama_servers())
    killed: list[int] = []

    def kill_before_second_generation(event: dict) -> None:
        if event.get("event") == "generating" and event.get("iteration") == 2 and not killed:
            for pid in set(llama_servers()) - before:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="revive")
    config.data.path = str(SPLITS / "moon_3656_300_train.csv")
    config.data.target = "target"
    config.data.train_rows = 20
    config.models.generator = "local:qwen2.5-coder-0.5b"
    config.models.cache = False
    config.loop.max_iters = 2
    summary = refine(config, on_event=kill_before_second_generation, log=lambda message: None)

    assert killed, "the test never killed a server"
    assert summary.iterations == 2 and summary.stop_reason == "max_iters", summary.stop_detail
    events = (Path(summary.run_dir) / "events.jsonl").read_text()
    assert "the local model server died; restarted it and retried the call" in events
    assert set(llama_servers()) - before == set()
