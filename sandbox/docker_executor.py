"""The Docker executor: one fresh hardened container per candidate, removed whatever happens.

Per ``run``: create, attach, start, stream the request in and the output out until EOF, remove; the
exit status is asked for only when no valid result frame came back (nothing else: no exec, no reuse,
no logs read back). With ``prestart`` (the default) the next container is launched in the background
while the current one runs, so a run mostly costs the model's own time.
The code model's faults come back as ``OutcomeKind`` data; only Docker itself failing is ``sandbox_error``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping, Sequence

import docker
import pandas as pd
import requests
from docker.models.containers import Container

from sandbox.containers import Launched, Standby, launch
from sandbox.daemon import DOCKER_FAILURES, connect
from sandbox.errors import SandboxError, SandboxImageError, SandboxUnavailable
from sandbox.hardening import DEFAULT_LIMITS, SandboxLimits, container_kwargs
from sandbox.image import image_tag
from sandbox.protocol import ProtocolError, decode_result, encode_request
from sandbox.reaping import reap_leaked_containers
from sandbox.results import ExecutionResult, OutcomeKind
from sandbox.streams import exchange
from sandbox.verdict import Ending, judge

__all__ = ["DockerExecutor", "reap_leaked_containers"]


class DockerExecutor:
    """Runs code models in throw-away Docker containers (see ``sandbox.hardening`` for the flags).

    Raises ``SandboxUnavailable`` if the daemon does not answer and ``SandboxImageError`` if the image
    is missing (``image=None`` means the tag matching this checkout, see ``sandbox.image``).
    ``prestart=False`` launches each container only when ``run`` is called (slower, nothing idle).
    Not meant for concurrent ``run`` calls from several threads: use one executor per thread.
    """

    def __init__(
        self,
        image: str | None = None,
        limits: SandboxLimits = DEFAULT_LIMITS,
        client: docker.DockerClient | None = None,
        *,
        prestart: bool = True,
    ) -> None:
        self._owns_client = client is None
        self._client: docker.DockerClient | None = connect(client)
        self.image = image or image_tag()
        self.limits = limits
        try:
            self._client.images.get(self.image)
        except docker.errors.ImageNotFound:
            self.close()
            raise SandboxImageError(
                f"sandbox image {self.image} is missing: run `ibl sandbox build` "
                "(or `python -m sandbox.image`)"
            ) from None
        except DOCKER_FAILURES as exc:
            self.close()
            raise SandboxUnavailable(f"Docker could not inspect image {self.image}: {exc}") from exc
        reap_leaked_containers(self._client)
        self._create = container_kwargs(self.image, limits)
        self._standby = Standby(self._client, self._create) if prestart else None
        if self._standby is not None:
            self._standby.refill()
        self.isolation_warning = ""
        self.description = (
            f"docker {self.image}: no network, {limits.memory_mb} MiB, {limits.cpus:g} CPU, "
            f"{limits.pids} pids, {limits.timeout_s:g} s"
        )

    def __enter__(self) -> DockerExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the pre-started container and release the client if this executor made it; idempotent."""
        standby, self._standby = getattr(self, "_standby", None), None
        if standby is not None:
            standby.close()
        if self._client is not None and self._owns_client:
            self._client.close()
        self._client = None

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        """Evaluate ``code`` on every frame in one fresh container; never raises for the model's faults."""
        if self._client is None:
            raise SandboxError("this DockerExecutor is closed; create a new one")
        started = time.monotonic()
        expected = {str(name): len(df) for name, df in frames.items()}
        request = encode_request(code, frames, output_columns)
        width = len(output_columns) if output_columns else None
        launched = None
        try:
            launched = self._standby.take() if self._standby is not None else None
            launched = launched or launch(self._client, self._create)
            if self._standby is not None:
                self._standby.refill()
            result = self._evaluate(launched, request, expected, width)
        except DOCKER_FAILURES as exc:
            message = f"Docker failed while running the candidate: {type(exc).__name__}: {exc}"
            result = ExecutionResult(OutcomeKind.SANDBOX_ERROR, message=message.splitlines()[0])
        finally:
            if launched is not None:
                launched.discard()  # kills it first if it still runs (timeout, output cap)
        return dataclasses.replace(result, duration_s=time.monotonic() - started)

    def _evaluate(
        self, launched: Launched, request: bytes, expected: Mapping[str, int], width: int | None
    ) -> ExecutionResult:
        deadline = time.monotonic() + self.limits.timeout_s
        io = exchange(launched.sock, request, deadline, self.limits.max_output_bytes)
        if io.over_limit or io.timed_out:
            return judge(Ending(io, status=None), expected, self.limits, width)
        # EOF came: a valid frame is the verdict ``judge`` gives for any exit status, so skip the wait
        # (~10 ms); the status and the OOM flag only explain a missing or broken frame.
        with contextlib.suppress(ProtocolError):
            return decode_result(io.stdout, expected, width)
        status = self._wait(launched.container, deadline)
        memory_killed = False
        if status is not None and status != 0:
            launched.container.reload()
            state = launched.container.attrs["State"]
            # The engine's own flag: exit 137 alone is any SIGKILL, also one the code sent itself (issue 14).
            memory_killed = bool(state.get("OOMKilled"))
        return judge(Ending(io, status, memory_killed), expected, self.limits, width)

    def _wait(self, container: Container, deadline: float) -> int | None:
        """Exit status, or None if the container is still running at the deadline."""
        try:
            return container.wait(timeout=max(deadline - time.monotonic(), 0.001))["StatusCode"]
        except requests.exceptions.ReadTimeout:
            return None
