"""Choosing the isolation backend: ``--sandbox docker|process|auto``.

``docker`` is the default and the only full isolation. ``process`` is the degraded executor of
``sandbox.process_executor``. ``auto`` uses Docker when its daemon answers and otherwise falls back to
the process executor, saying so in ``isolation_warning``; a missing *image* is not a reason to
degrade (the daemon answers, so the fix is ``ibl sandbox build``) and still raises.
"""

from __future__ import annotations

from typing import Literal, get_args

from sandbox.errors import SandboxError, SandboxUnavailable
from sandbox.executor import Executor
from sandbox.hardening import DEFAULT_LIMITS, SandboxLimits

SandboxBackend = Literal["docker", "process", "auto"]
SANDBOX_BACKENDS: tuple[str, ...] = get_args(SandboxBackend)


def open_executor(
    backend: str, limits: SandboxLimits = DEFAULT_LIMITS, image: str | None = None, *, prestart: bool = True
) -> Executor:
    """An executor for ``backend``; raises ``SandboxError`` subclasses that name the fix.

    ``prestart`` (Docker only) launches the next container ahead; pass False for a single run.
    """
    if backend not in SANDBOX_BACKENDS:
        raise SandboxError(f"unknown sandbox {backend!r}; choose one of {', '.join(SANDBOX_BACKENDS)}")
    from sandbox.docker_executor import DockerExecutor
    from sandbox.process_executor import ProcessExecutor

    if backend == "process":
        return ProcessExecutor(limits)
    try:
        return DockerExecutor(image=image, limits=limits, prestart=prestart)
    except SandboxUnavailable as exc:
        if backend == "docker":
            raise
        fallback = ProcessExecutor(limits)
        fallback.isolation_warning = f"{str(exc).splitlines()[0]}; {fallback.isolation_warning}"
        return fallback
