"""Launching sandbox containers, and keeping one started ahead of time (never reused).

A container started ahead has already paid for ``docker create/start`` and the interpreter importing
numpy and pandas (together ~2x a bare ``docker run``); it waits, blocked on stdin, before any
untrusted code exists. Each one still serves exactly one candidate and is then removed, which is what
DESIGN.md section 4 allows ("a pre-started, never-reused container is fine").
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import docker
from docker.models.containers import Container

from sandbox.daemon import DOCKER_FAILURES
from sandbox.streams import raw_socket

ATTACH = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}


@dataclass(frozen=True)
class Launched:
    """A started container with its attach socket, waiting for its one request on stdin."""

    container: Container
    attached: Any  # what ``APIClient.attach_socket`` returns; its ``_response`` is the upgraded HTTP response
    sock: socket.socket

    def idle(self) -> bool:
        """True while it still waits: a runner that died or printed anything makes the socket readable."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def discard(self) -> None:
        """Close the socket and remove the container (killing it if it runs); never raises."""
        # Closing the HTTP response first closes the whole chain (closing only the socket leaves the
        # response to fail later in its finalizer, when it flushes an already closed file).
        for closeable in (getattr(self.attached, "_response", self.attached), self.sock):
            with contextlib.suppress(OSError, ValueError):
                closeable.close()
        with contextlib.suppress(DOCKER_FAILURES):  # if it fails, the label lets the next start reap it
            self.container.remove(force=True)


def launch(client: docker.DockerClient, create_kwargs: dict[str, Any]) -> Launched:
    """create, attach (before start, so no output is missed), start."""
    container = client.containers.create(**create_kwargs)
    try:
        attached = client.api.attach_socket(container.id, params=ATTACH)
    except BaseException:
        container.remove(force=True)
        raise
    launched = Launched(container, attached, raw_socket(attached))
    try:
        container.start()
    except BaseException:
        launched.discard()
        raise
    return launched


class Standby:
    """At most one container launched in the background for the next run."""

    def __init__(self, client: docker.DockerClient, create_kwargs: dict[str, Any]) -> None:
        self._client, self._kwargs = client, create_kwargs
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-standby")
        self._lock = threading.Lock()
        self._next: Future[Launched] | None = None

    def refill(self) -> None:
        """Start launching the next container unless one is already on its way."""
        with self._lock:
            if self._next is None:
                self._next = self._pool.submit(launch, self._client, self._kwargs)

    def take(self) -> Launched | None:
        """The waiting container, or None if there is none or it is not healthy (the caller launches)."""
        with self._lock:
            future, self._next = self._next, None
        if future is None:
            return None
        try:
            launched = future.result()
        except DOCKER_FAILURES:
            return None
        if launched.idle():
            return launched
        launched.discard()
        return None

    def close(self) -> None:
        """Remove the waiting container, if any, and stop the background thread."""
        with self._lock:
            future, self._next = self._next, None
        if future is not None:
            with contextlib.suppress(DOCKER_FAILURES):
                future.result().discard()
        self._pool.shutdown(wait=True)
