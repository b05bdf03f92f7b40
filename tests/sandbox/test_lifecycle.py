"""Container lifecycle: nothing left behind, leaked containers reaped, infrastructure faults typed."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable

import docker
import pytest

from sandbox.docker_executor import DockerExecutor, reap_leaked_containers
from sandbox.errors import SandboxError, SandboxImageError, SandboxUnavailable
from sandbox.hardening import DEFAULT_LIMITS, OWNER_PID_LABEL, container_kwargs
from sandbox.results import OutcomeKind
from tests.sandbox.support import FRAME, our_containers

pytestmark = pytest.mark.docker
CODE = "def predict(df):\n    return [0.5] * len(df)\n"


def test_each_run_gets_a_fresh_container_that_is_removed(
    make_executor: Callable[..., DockerExecutor], docker_client: docker.DockerClient
) -> None:
    ex = make_executor(timeout_s=1.0)
    for code in (CODE, CODE, "def predict(df):\n    while True: pass\n"):  # the last one is killed
        ex.run(code, {"v": FRAME})
        assert our_containers(docker_client) == []


def test_prestarted_container_is_used_once_then_removed(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    with DockerExecutor(sandbox_image, client=docker_client) as ex:
        assert ex.run(CODE, {"v": FRAME}).kind is OutcomeKind.OK
        first = {c["Id"] for c in our_containers(docker_client)}
        assert len(first) == 1  # only the standby for the next run
        assert ex.run(CODE, {"v": FRAME}).kind is OutcomeKind.OK
        second = {c["Id"] for c in our_containers(docker_client)}
        assert len(second) == 1 and not first & second  # the standby served one run and is gone
    assert our_containers(docker_client) == []


def test_reaper_removes_only_containers_of_dead_owners(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan_kwargs = container_kwargs(sandbox_image, DEFAULT_LIMITS)
    orphan_kwargs["labels"] = {**orphan_kwargs["labels"], OWNER_PID_LABEL: str(dead.pid)}
    orphan = docker_client.containers.create(**orphan_kwargs)
    ours = docker_client.containers.create(**container_kwargs(sandbox_image, DEFAULT_LIMITS))
    try:
        assert reap_leaked_containers(docker_client) == 1
        with pytest.raises(docker.errors.NotFound):
            orphan.reload()
        ours.reload()
    finally:
        for container in (orphan, ours):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def test_unreachable_daemon_says_how_to_fix_it() -> None:
    client = docker.DockerClient(base_url="unix:///nonexistent.sock", version="1.41")
    with pytest.raises(SandboxUnavailable) as caught:
        DockerExecutor("any:image", client=client)
    message = str(caught.value)
    assert "not reachable at unix:///nonexistent.sock" in message
    assert "dockerd" in message and "run again" in message


def test_missing_image_says_how_to_build_it(docker_client: docker.DockerClient) -> None:
    with pytest.raises(SandboxImageError, match="ibl sandbox build"):
        DockerExecutor("ibl-agents-sandbox:does-not-exist", client=docker_client)


def test_docker_failure_is_a_sandbox_error_not_a_model_fault(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    doomed = "ibl-agents-sandbox:test-doomed"
    docker_client.images.get(sandbox_image).tag(doomed)
    try:
        ex = DockerExecutor(doomed, client=docker_client, prestart=False)
    finally:
        docker_client.images.remove(doomed)
    with ex:
        result = ex.run(CODE, {"v": FRAME})
    assert result.kind is OutcomeKind.SANDBOX_ERROR and not result.kind.is_model_fault
    assert "Docker failed" in result.message
    with pytest.raises(SandboxError, match="closed"):
        ex.run(CODE, {"v": FRAME})
