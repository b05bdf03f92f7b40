"""Several candidates at once: hostile ones next to good ones, each with its own limits and result."""

from __future__ import annotations

import functools

import docker
import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.hardening import SandboxLimits
from sandbox.pool import ExecutorPool
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind
from tests.sandbox.attacks import past_the_import_guard
from tests.sandbox.support import our_containers

LIMITS = SandboxLimits(timeout_s=20, memory_mb=256, pids=32)
FRAMES = {"v": pd.DataFrame({"x": [1.0, 2.0, 3.0]})}
MEMORY_BOMB = "def predict(df):\n    hog = []\n    while True:\n        hog.append(bytearray(2**20))\n"
SLOW = past_the_import_guard("import time\ndef predict(df):\n    time.sleep(1)\n    return df['x'] - 1\n")
JOBS = [
    (past_the_import_guard("import os\nwhile True:\n    os.fork()\n"), OutcomeKind.PROCESS_LIMIT, None),
    ("def predict(df):\n    return df['x'] * 2\n", OutcomeKind.OK, [2.0, 4.0, 6.0]),
    (
        "def predict(df):\n    hog = []\n    while True:\n        hog.append(bytearray(2**20))\n",
        OutcomeKind.MEMORY_LIMIT,
        None,
    ),
    (
        past_the_import_guard("import time\ndef predict(df):\n    time.sleep(1)\n    return df['x'] - 1\n"),
        OutcomeKind.OK,
        [0.0, 1.0, 2.0],
    ),
    ("def predict(df):\n    return df['x'] / 4\n", OutcomeKind.OK, [0.25, 0.5, 0.75]),
]


def check(pool: ExecutorPool) -> None:
    results = pool.run_all([(code, FRAMES) for code, _, _ in JOBS])
    for (_, kind, values), result in zip(JOBS, results, strict=True):
        assert result.kind is kind, result
        if values is not None:
            assert result.predictions == {"v": values}


@pytest.mark.docker
def test_docker_pool_keeps_candidates_apart(sandbox_image: str, docker_client: docker.DockerClient) -> None:
    make = functools.partial(DockerExecutor, sandbox_image, LIMITS, docker_client)
    with ExecutorPool(make, workers=2) as pool:
        check(pool)
        check(pool)  # the same pool again: executors are reused, containers never
    assert our_containers(docker_client) == []


def test_process_pool_keeps_candidates_apart() -> None:
    with ExecutorPool(functools.partial(ProcessExecutor, LIMITS), workers=2) as pool:
        check(pool)


def test_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="workers must be >= 1"):
        ExecutorPool(ProcessExecutor, workers=0)
