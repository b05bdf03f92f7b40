"""Fixtures for the sandbox tests: one image per session, executors that are always closed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import docker
import pytest

from sandbox.daemon import connect
from sandbox.docker_executor import DockerExecutor
from sandbox.errors import SandboxUnavailable
from sandbox.hardening import SandboxLimits
from sandbox.image import ensure_image
from tests.sandbox.support import our_containers


@pytest.fixture(scope="session")
def docker_client() -> Iterator[docker.DockerClient]:
    try:
        client = connect()
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    yield client
    leaked = our_containers(client)
    client.close()
    assert not leaked, f"tests left sandbox containers behind: {[c['Id'][:12] for c in leaked]}"


@pytest.fixture(scope="session")
def sandbox_image(docker_client: docker.DockerClient) -> str:
    return ensure_image(docker_client, log=lambda line: None)


@pytest.fixture(scope="module")
def executor(sandbox_image: str, docker_client: docker.DockerClient) -> Iterator[DockerExecutor]:
    with DockerExecutor(sandbox_image, client=docker_client) as ex:
        yield ex


@pytest.fixture
def make_executor(
    sandbox_image: str, docker_client: docker.DockerClient
) -> Iterator[Callable[..., DockerExecutor]]:
    """Executors with custom limits (no pre-started container: each is used once or twice)."""
    made: list[DockerExecutor] = []

    def make(**limits: float) -> DockerExecutor:
        ex = DockerExecutor(sandbox_image, SandboxLimits(**limits), docker_client, prestart=False)
        made.append(ex)
        return ex

    yield make
    for ex in made:
        ex.close()
