"""Reaching the Docker daemon, with errors that say how to start it."""

from __future__ import annotations

import os

import docker
import requests

from sandbox.errors import SandboxUnavailable

DEFAULT_HOST = "unix:///var/run/docker.sock"
# Everything docker-py raises when the daemon or the API misbehaves (it lets requests/socket errors through).
DOCKER_FAILURES = (docker.errors.DockerException, requests.RequestException, OSError)


def _unavailable(address: str, exc: BaseException) -> str:
    return (
        f"Docker daemon not reachable at {address} ({type(exc).__name__}: {exc}): start it "
        "(`sudo dockerd` or `sudo systemctl start docker`) and run again"
    )


def daemon_address(client: docker.DockerClient) -> str:
    """Where the client talks to, for messages (docker-py hides unix socket paths in its adapter)."""
    adapter = getattr(client.api, "_custom_adapter", None)
    socket_path = getattr(adapter, "socket_path", None)
    return f"unix://{socket_path}" if socket_path else str(client.api.base_url)


def connect(client: docker.DockerClient | None = None) -> docker.DockerClient:
    """Return a client whose daemon answers, or raise ``SandboxUnavailable`` naming the fix.

    Without a client, one is made from the environment (``DOCKER_HOST`` or the default socket) with the
    API version negotiated, so older engines (e.g. 20.10 = API 1.41) work.
    """
    if client is None:
        try:
            return docker.from_env(version="auto")
        except DOCKER_FAILURES as exc:
            raise SandboxUnavailable(_unavailable(os.environ.get("DOCKER_HOST", DEFAULT_HOST), exc)) from exc
    try:
        client.ping()
    except DOCKER_FAILURES as exc:
        raise SandboxUnavailable(_unavailable(daemon_address(client), exc)) from exc
    return client
