"""Choosing the sandbox: the process executor's refusals, `auto` falling back, and the CLI flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sandbox import syscall_filter
from sandbox.backends import open_executor
from sandbox.confinement import HostTools
from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind
from tests.fault_server import FaultServer
from tests.reference import GPT4_TITANIC, SPLITS

REPO = Path(__file__).resolve().parents[2]
NO_DAEMON = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
GOOD_REPLY = "```python\ndef predict(df):\n    return 1 / (1 + (-3 * df['x2']).rpow(2.718281828))\n```"


def ibl(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ibl_agents", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=300,
    )


def test_root_without_bubblewrap_is_refused() -> None:
    tools = HostTools(bubblewrap=None, prlimit="/usr/bin/prlimit", setpriv="/usr/bin/setpriv", is_root=True)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        ProcessExecutor(tools=tools)


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(SandboxError, match="choose one of docker, process, auto"):
        open_executor("firecracker")


def test_auto_falls_back_to_the_process_executor_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_DAEMON["DOCKER_HOST"])
    with pytest.raises(SandboxUnavailable, match="Docker daemon not reachable"):
        open_executor("docker")
    with open_executor("auto") as executor:
        assert isinstance(executor, ProcessExecutor)
        assert executor.isolation_warning.startswith("Docker daemon not reachable")
        assert "degraded sandbox" in executor.isolation_warning
        result = executor.run("def predict(df):\n    return df['x'] * 2\n", {"v": pd.DataFrame({"x": [1.5]})})
    assert result.kind is OutcomeKind.OK and result.predictions == {"v": [3.0]}


def test_ibl_score_on_the_process_sandbox_matches_docker_and_warns(tmp_path: Path) -> None:
    model = GPT4_TITANIC / "titanic_3655_6_14.py"
    data = SPLITS / "titanic_3655_300_test.csv"
    done = ibl(
        tmp_path, "score", str(model), "--data", str(data), "--target=survived", "--sandbox=process", "--json"
    )
    assert done.returncode == 0, done.stderr
    scored = json.loads(done.stdout)
    assert scored["metrics"]["auc"] == pytest.approx(0.9543829543829545, abs=1e-9)  # the authors' figure
    assert scored["sandbox"].startswith("process (degraded)")
    assert "degraded sandbox" in done.stderr and "warning" in done.stderr


def test_ibl_sandbox_check_for_the_process_sandbox(tmp_path: Path) -> None:
    done = ibl(tmp_path, "sandbox", "check", "--sandbox=process")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    settings = ("no network", "unprivileged user", "own pid namespace", "process/thread limit")
    for setting in (*settings, "seccomp filter", "read-only /dev"):
        assert any(line.startswith("ok") and setting in line for line in lines), done.stdout
    assert any(line.startswith("weaker") and "address space" in line for line in lines), done.stdout


def test_ibl_run_with_auto_and_no_docker_records_the_warning(
    tmp_path: Path, signal_frame: pd.DataFrame
) -> None:
    data = tmp_path / "signal.csv"
    signal_frame.to_csv(data, index=False)
    server = FaultServer(default=GOOD_REPLY).start()
    try:
        done = ibl(
            tmp_path,
            "run",
            str(data),
            "--target=y",
            "--model=openai:scripted",
            f"--base-url={server.base_url}",
            "--max-iters=1",
            "--sandbox=auto",
            "--no-cache",
            env={**NO_DAEMON, "OPENAI_API_KEY": "unused"},
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: Docker daemon not reachable" in " ".join(done.stderr.split())  # warnings: stderr
    summary = json.loads((tmp_path / done.stdout.splitlines()[-1] / "summary.json").read_text())
    assert summary["sandbox"].startswith("process (degraded)")
    assert any("degraded sandbox" in warning for warning in summary["warnings"])


def test_without_libseccomp_the_process_sandbox_runs_unfiltered_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the filter refuses goes through without it: the attack cases' refusals are the filter's."""
    monkeypatch.setattr(syscall_filter, "seccomp", None)
    monkeypatch.setattr(syscall_filter, "_LOAD_ERROR", "RuntimeError: Unable to find libseccomp")
    hoard = "import typing\nos = typing.sys.modules['os']\n\ndef predict(df):\n"
    hoard += "    return [float(os.memfd_create('hoard') >= 0)] * len(df)\n"
    with ProcessExecutor() as executor:
        assert "no seccomp filter: libseccomp could not be loaded" in executor.isolation_warning
        result = executor.run(hoard, {"v": pd.DataFrame({"x": [1.0]})})
    assert result.kind is OutcomeKind.OK and result.predictions == {"v": [1.0]}
