"""Shared test data and helpers for the sandbox tests."""

from __future__ import annotations

import os

import docker
import pandas as pd

from sandbox.hardening import LABEL, OWNER_PID_LABEL

FRAME = pd.DataFrame({"x": [0.5, 1.5, -2.0, 3.25, 0.0], "name": ["a", "b", None, "d", "e"]})


def our_containers(client: docker.DockerClient) -> list[dict]:
    """Sandbox containers owned by this test process, whatever their state."""
    mine = f"{OWNER_PID_LABEL}={os.getpid()}"
    return client.api.containers(all=True, filters={"label": [LABEL, mine]})
