"""Which isolation is actually in force: ``ibl sandbox check``.

Flags asked for are not flags applied: an older engine, a rootless daemon or a wrapper can drop some
silently. So a container is created (never started: no code runs) with the exact settings of
``sandbox.hardening`` and every flag is read back from Docker's own inspect data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import docker

from sandbox.daemon import DOCKER_FAILURES, connect
from sandbox.errors import SandboxUnavailable
from sandbox.hardening import DEFAULT_LIMITS, container_kwargs
from sandbox.image import image_tag

DAEMON, IMAGE = "docker daemon reachable", "sandbox image present"


@dataclass(frozen=True)
class Check:
    """One requirement: ``detail`` says what was found, and what to do when ``ok`` is False."""

    name: str
    ok: bool
    detail: str


def check_sandbox(
    client: docker.DockerClient | None = None, image: str | None = None, create: dict[str, Any] | None = None
) -> list[Check]:
    """Check the daemon, the image, then each hardening flag; stops at the first check the rest need.

    The flags are always compared with ``container_kwargs`` for the image; ``create`` replaces what is
    actually sent to Docker (tests use it to stand in for an engine that drops a flag).
    """
    try:
        docker_client = connect(client)
    except SandboxUnavailable as exc:
        return [Check(DAEMON, False, str(exc))]
    try:
        return _image_and_flags(docker_client, image or image_tag(), create)
    except DOCKER_FAILURES as exc:
        return [Check(DAEMON, False, f"Docker failed during the check: {type(exc).__name__}: {exc}")]
    finally:
        if client is None:
            docker_client.close()


def _image_and_flags(client: docker.DockerClient, image: str, create: dict[str, Any] | None) -> list[Check]:
    checks = [Check(DAEMON, True, f"Docker {client.version().get('Version', '?')}")]
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        return [*checks, Check(IMAGE, False, f"{image} missing: run `ibl sandbox build`")]
    checks.append(Check(IMAGE, True, image))
    wanted = container_kwargs(image, DEFAULT_LIMITS)
    container = client.containers.create(**(create or wanted))
    try:
        container.reload()
        return checks + applied_flags(wanted, container.attrs)
    finally:
        with contextlib.suppress(DOCKER_FAILURES):
            container.remove(force=True)


def applied_flags(create: dict[str, Any], attrs: dict[str, Any]) -> list[Check]:
    """Compare each hardening setting asked for in ``create`` with what Docker reports it applied."""
    host, config = attrs.get("HostConfig") or {}, attrs.get("Config") or {}
    labels = config.get("Labels") or {}
    wanted: list[tuple[str, object, object]] = [
        ("no network", create.get("network_mode"), host.get("NetworkMode")),
        ("non-root user", create.get("user"), config.get("User")),
        ("all capabilities dropped", create.get("cap_drop"), host.get("CapDrop")),
        ("no-new-privileges", create.get("security_opt"), host.get("SecurityOpt")),
        ("memory limit", create.get("mem_limit"), host.get("Memory")),
        ("no swap (memory+swap = memory)", create.get("memswap_limit"), host.get("MemorySwap")),
        ("CPU limit", create.get("nano_cpus"), host.get("NanoCpus")),
        ("pids limit", create.get("pids_limit"), host.get("PidsLimit")),
        ("read-only root filesystem", create.get("read_only"), host.get("ReadonlyRootfs")),
        ("size-capped /tmp", create.get("tmpfs"), host.get("Tmpfs")),
        ("size-capped /dev/shm", create.get("shm_size"), host.get("ShmSize")),
        ("file-size/open-file/core ulimits", _ulimits(create.get("ulimits")), _ulimits(host.get("Ulimits"))),
        ("init process", create.get("init"), host.get("Init")),
        ("logging off", _log_type(create.get("log_config")), (host.get("LogConfig") or {}).get("Type")),
        ("reaping labels", create.get("labels"), {k: labels.get(k) for k in create.get("labels") or {}}),
    ]
    return [Check(name, bool(asked) and asked == got, _compared(asked, got)) for name, asked, got in wanted]


def _compared(asked: object, got: object) -> str:
    return f"{got!r}" if asked == got else f"wanted {asked!r}, got {got!r}"


def _ulimits(ulimits: list[Any] | None) -> list[tuple[str, int, int]] | None:
    """Ulimits as comparable tuples, from docker-py ``Ulimit`` objects or inspect dicts alike."""
    if not ulimits:
        return None
    return sorted((u["Name"], u["Soft"], u["Hard"]) for u in ulimits)


def _log_type(log_config: Any) -> str | None:
    return None if log_config is None else log_config["Type"]
