"""The embedded model server does not outlive a process killed with SIGKILL (no cleanup code runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.llm

OWNER = """
import sys, time
from pathlib import Path
from ibl_agents.models.local.bundled import ensure_model
from ibl_agents.models.local.server import LocalModelServer
server = LocalModelServer(ensure_model("qwen2.5-coder-0.5b"), log_dir=Path(sys.argv[1]))
server.start()
print(server.pid, flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_server_ends_when_its_owner_is_killed(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    server_pid = 0
    try:
        server_pid = int(owner.stdout.readline())
        assert running(server_pid)
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while running(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(server_pid), "the model server outlived its killed owner"
    finally:
        owner.kill()
        owner.communicate()
        if server_pid and running(server_pid):
            os.killpg(server_pid, signal.SIGKILL)
