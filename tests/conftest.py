"""Shared fixtures: the real Docker sandbox (built once per session), the loop tests' replayed sandbox, a
fault-injecting model server, a throwaway PostgreSQL server and synthetic data."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.executor import Executor
from sandbox.image import ensure_image, image_tag
from sandbox.replay import RecordingExecutor, ReplayExecutor, recorded_version
from tests.fault_server import FaultServer
from tests.postgres import PASSWORD, ThrowawayPostgres, install_server, server_binaries


@pytest.fixture(scope="session")
def sandbox_image() -> str:
    """The content-hashed sandbox image; built if missing (needs a running Docker engine)."""
    return ensure_image()


@pytest.fixture
def docker_executor(sandbox_image: str) -> Iterator[DockerExecutor]:
    with DockerExecutor(image=sandbox_image) as executor:
        yield executor


RECORDINGS = Path(__file__).parent / "data" / "executions"


@pytest.fixture
def loop_executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    """The sandbox of the loop's logic tests: the real Docker sandbox's results for exactly these calls,
    replayed from tests/data/executions/<module>/<test>.json, so the graph's tests need no Docker. With
    IBL_RECORD_EXECUTIONS=1, or when a test has no recording yet, the calls run in Docker and are
    recorded; so is a recording made by another sandbox image (its tag hashes the runner's files and the
    versions it runs), which would answer differently."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    path = RECORDINGS / request.node.module.__name__.rsplit(".", 1)[-1] / f"{name}.json"
    fresh = path.is_file() and recorded_version(path) == image_tag()
    if fresh and not os.environ.get("IBL_RECORD_EXECUTIONS"):
        with ReplayExecutor(path, version=image_tag()) as replay:
            yield replay
        return
    image = request.getfixturevalue("sandbox_image")
    with RecordingExecutor(DockerExecutor(image=image), version=image_tag()) as recording:
        yield recording
    recording.save(path)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """An OpenAI-compatible server on a free local port; tests set its script and default reply."""
    server = FaultServer(default="").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of our own on a free loopback port, removed after the session."""
    bin_dir = server_binaries()
    if bin_dir is None:
        problem = install_server()
        bin_dir = server_binaries()
        if bin_dir is None:
            pytest.skip(problem or "apt-get installed postgresql but no initdb was found")
    server = ThrowawayPostgres(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayPostgres, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's URL (no password); PGPASSWORD is set for this test and its subprocesses."""
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    return postgres_server.url


@pytest.fixture
def signal_frame() -> pd.DataFrame:
    """200 rows: `x1` decides the label, `x2` is weakly related, `row_code` is a unique canary per row."""
    rng = np.random.default_rng(7)
    x1 = rng.normal(size=200).round(4)
    x2 = (x1 * 0.3 + rng.normal(size=200)).round(4)
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "row_code": 100_000 + np.arange(200) * 7, "y": (x1 > 0).astype(int)}
    )
