"""The project's exception tree. Our failures raise; the code model's failures are data.

::

    IblError                      anything ibl-agents itself cannot do; message says what to do next
    ├── ConfigError               bad config file, CLI flag or option value
    ├── DataError                 the dataset cannot be used (missing file, bad target, one class, ...)
    ├── ProviderError             a chat model cannot be created or called for good
    │   └── ModelServerError      the embedded llama.cpp server failed to start or died
    ├── ModelAssetError           a bundled model cannot be assembled or fails its checksum
    ├── ExperimentError           a sweep cell could not run (wraps the cause; finished cells are kept)
    └── ResumeError               a run directory cannot be resumed (not a run, no checkpoint, data changed)
    sandbox.errors.SandboxError   infrastructure of the sandbox (kept in ``sandbox`` so that package
    ├── SandboxUnavailable        imports nothing from here): no Docker daemon, ...
    └── SandboxImageError         sandbox image missing or unbuildable

A code model that crashes, times out or returns garbage never raises: it is an
``sandbox.results.OutcomeKind`` in the candidate's record.
"""


class IblError(Exception):
    """Base of every error raised by ibl-agents itself."""


class ConfigError(IblError):
    """A configuration value, file or CLI flag is invalid."""


class DataError(IblError):
    """The dataset cannot be used as given."""


class ProviderError(IblError):
    """A chat model could not be created or failed for good."""


class ModelServerError(ProviderError):
    """The embedded local model server could not start, or died."""


class ModelAssetError(IblError):
    """A bundled model file could not be assembled or failed verification."""


class ExperimentError(IblError):
    """A cell of an experiment could not run; the message names the cell and the cause."""


class ResumeError(IblError):
    """A run directory cannot be resumed; the message names what is missing or changed."""
