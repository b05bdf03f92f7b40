"""Infrastructure errors of the sandbox (never the code model's fault).

They are part of the project's one exception tree, drawn in ``ibl_agents/errors.py``; they live here
because ``sandbox`` imports nothing from the other packages.
"""


class SandboxError(Exception):
    """The sandbox itself could not do its job; the message says what to do next."""


class SandboxUnavailable(SandboxError):
    """No isolation backend answers (e.g. the Docker daemon is not running)."""


class SandboxImageError(SandboxError):
    """The sandbox image is missing or could not be built."""
