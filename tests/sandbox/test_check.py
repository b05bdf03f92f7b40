"""`ibl sandbox check` and `ibl sandbox cleanup`: flags read back from Docker, leaked containers reaped."""

from __future__ import annotations

import os
import subprocess
import sys

import docker
import pytest

from sandbox.check import check_sandbox
from sandbox.hardening import DEFAULT_LIMITS, OWNER_PID_LABEL, container_kwargs
from sandbox.reaping import reap_leaked_containers

pytestmark = pytest.mark.docker

FLAGS = {
    "no network",
    "non-root user",
    "all capabilities dropped",
    "no-new-privileges",
    "memory limit",
    "no swap (memory+swap = memory)",
    "CPU limit",
    "pids limit",
    "read-only root filesystem",
    "size-capped /tmp",
    "size-capped /dev/shm",
    "file-size/open-file/core ulimits",
    "init process",
    "logging off",
    "reaping labels",
}


def ibl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ibl_agents", "sandbox", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_every_hardening_flag_is_applied(docker_client: docker.DockerClient, sandbox_image: str) -> None:
    checks = check_sandbox(docker_client, sandbox_image)
    assert [c.name for c in checks[:2]] == ["docker daemon reachable", "sandbox image present"]
    assert {c.name for c in checks[2:]} == FLAGS
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_flag_the_engine_did_not_apply_is_reported_missing(
    docker_client: docker.DockerClient, sandbox_image: str
) -> None:
    create = container_kwargs(sandbox_image, DEFAULT_LIMITS)
    del create["read_only"]
    create["network_mode"] = "bridge"
    missing = {c.name: c.detail for c in check_sandbox(docker_client, sandbox_image, create) if not c.ok}
    assert missing == {
        "read-only root filesystem": "wanted True, got False",
        "no network": "wanted 'none', got 'bridge'",
    }


def test_missing_image_names_the_build_command(docker_client: docker.DockerClient) -> None:
    checks = check_sandbox(docker_client, "ibl-agents-sandbox:not-built")
    assert [c.ok for c in checks] == [True, False]
    assert "run `ibl sandbox build`" in checks[-1].detail


def test_check_command_prints_each_flag(sandbox_image: str) -> None:
    result = ibl("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok      sandbox image present: {sandbox_image}" in result.stdout
    assert "ok      no network: 'none'" in result.stdout
    assert len(result.stdout.splitlines()) == 2 + len(FLAGS)


def test_check_command_without_docker_exits_1_naming_the_fix() -> None:
    result = ibl("check", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("MISSING docker daemon reachable: Docker daemon not reachable")
    assert "missing docker daemon reachable" in result.stderr


def test_cleanup_removes_containers_of_dead_owners_only(
    docker_client: docker.DockerClient, sandbox_image: str
) -> None:
    dead_owner = container_kwargs(sandbox_image, DEFAULT_LIMITS)
    dead_owner["labels"] = {**dead_owner["labels"], OWNER_PID_LABEL: str(_dead_pid())}
    alive = docker_client.containers.create(**container_kwargs(sandbox_image, DEFAULT_LIMITS))
    try:
        # Any executor starting elsewhere on this host reaps leaks too and may win the race: retry.
        for _attempt in range(3):
            reap_leaked_containers(docker_client)  # start from no leaks, so the count is exact
            leaked = docker_client.containers.create(**dead_owner)
            result = ibl("cleanup")
            assert result.returncode == 0, result.stderr
            if result.stdout.strip() != "removed 0 leaked sandbox container(s)":
                break
        assert result.stdout.strip() == "removed 1 leaked sandbox container(s)"
        with pytest.raises(docker.errors.NotFound):
            leaked.reload()
        alive.reload()  # owned by this (live) test process: left alone
    finally:
        alive.remove(force=True)
        reap_leaked_containers(docker_client)


def _dead_pid() -> int:
    """The pid of a process that has already exited (pids are not reused this quickly)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
