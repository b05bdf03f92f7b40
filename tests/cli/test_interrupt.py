"""A run stopped with SIGTERM cleans up after itself: no sandbox container outlives it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from tests.reference import SPLITS

pytestmark = pytest.mark.docker


def test_sigterm_mid_run_removes_the_containers(tmp_path: Path, sandbox_image: str) -> None:
    with socket.socket() as silent:  # a model server that accepts the call and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ibl_agents",
                "run",
                str(SPLITS / "moon_3656_300_train.csv"),
                "--target",
                "target",
                "--model",
                "openai:any",
                "--base-url",
                f"http://127.0.0.1:{port}/v1",
                "--runs-dir",
                str(tmp_path / "runs"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        events = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and events is None:
            events = (
                next((tmp_path / "runs").glob("*/events.jsonl"), None)
                if (tmp_path / "runs").exists()
                else None
            )
            time.sleep(0.2)
        assert events is not None, process.communicate(timeout=10)
        while '"generating"' not in events.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        client = docker.from_env()
        label = f"ibl-agents.owner-pid={process.pid}"
        assert client.containers.list(all=True, filters={"label": label}), (
            "the run had no container to clean up"
        )
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    run_dir = events.parent
    assert f"interrupted; resume with: ibl resume {run_dir}" in stderr, stderr
    assert client.containers.list(all=True, filters={"label": label}) == []
