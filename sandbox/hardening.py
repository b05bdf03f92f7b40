"""Resource limits and the one place that turns them into Docker container settings.

Everything here is an allow-list: the container settings are built from the image tag and a
``SandboxLimits`` alone, so nothing written by a user or by the LLM (names, env, mounts, flags) can
reach ``containers.create``.
"""

from __future__ import annotations

import math
import os
import socket
from dataclasses import dataclass
from typing import Any

from docker.types import LogConfig, Ulimit

MIB = 1024 * 1024
LABEL = "ibl-agents.sandbox"
OWNER_PID_LABEL = "ibl-agents.owner-pid"
OWNER_HOST_LABEL = "ibl-agents.owner-host"
SANDBOX_USER = "65534:65534"  # nobody:nogroup, the same in every Debian-based image


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one candidate evaluation (one container running every frame).

    Attributes:
        timeout_s: wall-clock seconds from container start to result; the container is killed after.
            Covers interpreter start-up (~0.3 s for numpy + pandas) plus every ``predict`` call.
        memory_mb: RAM for the whole container in MiB; swap is set equal, so there is no swap at all.
        cpus: CPU share as a number of cores (1.0 = one core), enforced by the CFS quota.
        pids: maximum processes + threads in the container; stops fork bombs and thread floods.
        tmp_mb: size of the writable tmpfs ``/tmp`` (and ``/dev/shm``) in MiB; also the largest file
            any process may write (RLIMIT_FSIZE).
        max_output_bytes: cap on everything the container writes to stdout + stderr; above it the
            container is killed and the outcome is ``output_limit``. The result frame counts too.
    """

    timeout_s: float = 30.0
    memory_mb: int = 512
    cpus: float = 1.0
    pids: int = 128
    tmp_mb: int = 64
    max_output_bytes: int = 16 * MIB

    def __post_init__(self) -> None:
        checks = [
            ("timeout_s", self.timeout_s, 0.1, "seconds"),
            ("memory_mb", self.memory_mb, 64, "MiB: python with numpy and pandas needs ~60 MiB"),
            ("cpus", self.cpus, 0.01, "cores"),
            ("pids", self.pids, 8, "processes: docker-init and the interpreter's own threads need a few"),
            ("tmp_mb", self.tmp_mb, 1, "MiB"),
            ("max_output_bytes", self.max_output_bytes, 4096, "bytes"),
        ]
        for name, value, minimum, unit in checks:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"SandboxLimits.{name} must be a number, got {value!r}")
            if not (value >= minimum and math.isfinite(value)):
                raise ValueError(
                    f"SandboxLimits.{name} must be a finite number >= {minimum} ({unit}), got {value!r}"
                )
        for name in ("memory_mb", "pids", "tmp_mb", "max_output_bytes"):
            if not isinstance(getattr(self, name), int):
                raise TypeError(f"SandboxLimits.{name} must be an integer, got {getattr(self, name)!r}")


DEFAULT_LIMITS = SandboxLimits()


def owner_labels() -> dict[str, str]:
    """Labels that let a later process find and reap containers this process leaked."""
    return {LABEL: "1", OWNER_PID_LABEL: str(os.getpid()), OWNER_HOST_LABEL: socket.gethostname()}


def container_kwargs(image: str, limits: SandboxLimits) -> dict[str, Any]:
    """Keyword arguments for ``client.containers.create`` of one hardened sandbox container.

    Every security decision of DESIGN.md section 4 is in this dict, so it can be reviewed (and tested)
    in one place. ``stdin_open`` without ``detach`` makes Docker close the container's stdin when the
    host closes its side of the attach socket, which ends the request.
    """
    tmp_bytes = limits.tmp_mb * MIB
    memory = limits.memory_mb * MIB
    return {
        "image": image,
        "stdin_open": True,
        "network_mode": "none",
        "user": SANDBOX_USER,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "read_only": True,
        "tmpfs": {"/tmp": f"rw,size={limits.tmp_mb}m,mode=1777,noexec,nosuid,nodev"},
        "shm_size": tmp_bytes,
        # nproc is left out on purpose: RLIMIT_NPROC counts every process of uid 65534 on the host,
        # so concurrent sandboxes would starve each other; the pids cgroup limit is per container.
        "ulimits": [
            Ulimit(name="fsize", soft=tmp_bytes, hard=tmp_bytes),
            Ulimit(name="nofile", soft=256, hard=256),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "init": True,
        "log_config": LogConfig(type="none"),
        "labels": owner_labels(),
        "environment": [],
        "working_dir": "/tmp",
    }
