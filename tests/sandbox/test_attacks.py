"""The attack suite (tests/sandbox/attacks.py) against the Docker and the process executor.

Each attack must end as the table says, and the host must be unchanged afterwards: no process it
started still runs, no file it tried to write exists on the host.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.executor import Executor
from sandbox.hardening import SandboxLimits
from sandbox.process_executor import ProcessExecutor
from sandbox.results import ExecutionResult, OutcomeKind
from tests.sandbox.attacks import ATTACKS, CANARY, SLEEPER_MARK, Attack

ONE_ROW = {"v": pd.DataFrame({"x": [1.0]})}
HOST_PATHS = ["/etc/ibl-canary", "/usr/ibl-canary", "/ibl-canary", "/tmp/fill"]
REPO = Path(__file__).resolve().parents[2]
CASES = [
    pytest.param(
        backend, attack, id=f"{backend}: {attack.name}", marks=[pytest.mark.docker] * (backend == "docker")
    )
    for attack in ATTACKS
    for backend in ("docker", "process")
]


@pytest.fixture(scope="module")
def host_listener() -> Iterator[int]:
    """A TCP port listening on the host's loopback: sandboxed code must not reach it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def open_backend(request: pytest.FixtureRequest, backend: str, limits: SandboxLimits) -> Executor:
    if backend == "docker":
        image, client = request.getfixturevalue("sandbox_image"), request.getfixturevalue("docker_client")
        return DockerExecutor(image, limits, client, prestart=False)
    return ProcessExecutor(limits)


def run_from_orchestrator(request: pytest.FixtureRequest, backend: str, code: str) -> ExecutionResult:
    """Run ``code`` from a fresh orchestrator process whose initial environment holds the canary."""
    image = request.getfixturevalue("sandbox_image") if backend == "docker" else "-"
    done = subprocess.run(
        [sys.executable, "-m", "tests.sandbox.run_one", backend, image],
        input=code,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "OPENAI_API_KEY": CANARY, "IBL_TEST_SECRET": CANARY},
        timeout=120,
        check=True,
    )
    raw = json.loads(done.stdout)
    return ExecutionResult(OutcomeKind(raw["kind"]), raw["predictions"], raw["message"], raw["detail"])


def host_processes_with(mark: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if mark.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


@pytest.mark.parametrize(("backend", "attack"), CASES)
def test_attack_is_contained(
    request: pytest.FixtureRequest, host_listener: int, backend: str, attack: Attack
) -> None:
    code = attack.code.replace("HOST_PORT", str(host_listener))
    if attack.canary_in_orchestrator:
        result = run_from_orchestrator(request, backend, code)
    else:
        with open_backend(request, backend, SandboxLimits(**attack.limits)) as executor:
            result = executor.run(code, ONE_ROW)
    expect = getattr(attack, backend)
    assert result.kind is expect.kind, result
    assert expect.message in result.message, result
    if expect.value is not None:
        assert result.predictions == {"v": [expect.value]}, result
    assert host_processes_with(SLEEPER_MARK) == []
    assert [path for path in HOST_PATHS if Path(path).exists()] == []
