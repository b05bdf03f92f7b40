"""The project's exception tree. Our failures raise; the code model's failures are data.

::

    IblError                      anything ibl-agents itself cannot do; message says what to do next
    ├── ConfigError               bad config file, CLI flag or option value
    ├── DataError                 the dataset cannot be used (missing file, bad target, one class, ...)
    ├── ProviderError             a chat model cannot be created or called for good
    │   └── ModelServerError      the embedded llama.cpp server failed to start or died
    ├── ModelAssetError           a bundled model cannot be assembled or fails its checksum
    ├── ExperimentError           a sweep cell could not run (wraps the cause; finished cells are kept)
    ├── ResumeError               a run directory cannot be resumed (not a run, no checkpoint, data changed)
    ├── DamagedFileError          a file ibl wrote (config.json, manifest.json, ...) no longer reads as JSON
    ├── CodeModelError            a fitted or loaded code model failed where sklearn needs an answer
    └── NoValidModelError         an estimator's fit ended without any valid code model
    sandbox.errors.SandboxError   infrastructure of the sandbox (kept in ``sandbox`` so that package
    ├── SandboxUnavailable        imports nothing from here): no Docker daemon, ...
    └── SandboxImageError         sandbox image missing or unbuildable

A code model that crashes, times out or returns garbage never raises inside the loop: it is an
``sandbox.results.OutcomeKind`` in the candidate's record. Outside the loop (an sklearn estimator's
``predict``, ``load``) nothing can absorb it, so ``CodeModelError`` carries that kind instead.
"""

from __future__ import annotations

from typing import Any

from sandbox.results import OutcomeKind


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


class DamagedFileError(IblError):
    """A JSON file ibl wrote itself was edited or cut off since (ibl writes atomically, so not by ibl)."""


class CodeModelError(IblError):
    """A code model failed outside the loop (predict, load); ``kind`` says how, as in a candidate record."""

    def __init__(self, kind: OutcomeKind, message: str) -> None:
        super().__init__(f"{kind.value}: {message}")
        self.kind = kind


class NoValidModelError(IblError):
    """``fit`` ended without a valid code model; ``summary`` (a ``RunSummary``) holds every candidate."""

    def __init__(self, message: str, summary: Any) -> None:
        super().__init__(message)
        self.summary = summary
