"""Removing sandbox containers leaked by processes that died mid-run (kill -9, power loss, ...).

Every sandbox container carries our label plus its owner's pid and host name. A container whose owner
ran on this host and no longer exists is garbage; anything else (another live process, another host
sharing the daemon) is left alone.
"""

from __future__ import annotations

import os
import socket

import docker

from sandbox.daemon import DOCKER_FAILURES
from sandbox.hardening import LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (signal 0 probes without touching it)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def leaked_containers(client: docker.DockerClient) -> list[dict]:
    """Summaries of our labelled containers whose owner process on this host is dead."""
    host = socket.gethostname()
    leaked = []
    for summary in client.api.containers(all=True, filters={"label": LABEL}):
        labels = summary.get("Labels") or {}
        owner = labels.get(OWNER_PID_LABEL, "")
        if labels.get(OWNER_HOST_LABEL) == host and not process_alive(int(owner) if owner.isdigit() else 0):
            leaked.append(summary)
    return leaked


def reap_leaked_containers(client: docker.DockerClient) -> int:
    """Remove our labelled containers whose owner process on this host is dead; return how many."""
    removed = 0
    for summary in leaked_containers(client):
        try:
            client.api.remove_container(summary["Id"], force=True)
        except DOCKER_FAILURES:
            continue  # reaped by another process meanwhile, or removal in progress: next start retries
        removed += 1
    return removed
