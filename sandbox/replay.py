"""Recorded sandbox runs, replayed at the executor seam: the loop's logic tested in seconds, no Docker.

``RecordingExecutor`` wraps a real executor and keeps every call's result, keyed by what the call was
(the code, each frame's name, columns and values, the output columns); ``save`` writes them as JSON.
``ReplayExecutor`` answers the same calls from that file without running anything, and refuses a call it
has no recording of, naming the file to record again: a changed frame or code model can never be
answered with a stale result. ``version`` (the sandbox image's tag, which hashes the runner's files) is
stored with the recording, and a replay under another version is refused: a changed runner would answer
differently. Only code a test wrote is ever recorded, so a recording holds nothing
a candidate could use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sandbox.errors import SandboxError
from sandbox.executor import Executor
from sandbox.results import ExecutionResult, OutcomeKind

if TYPE_CHECKING:
    import pandas as pd


def call_key(code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None) -> str:
    """A digest of everything that decides a run's result."""
    from pandas.util import hash_pandas_object

    digest = hashlib.sha256(code.encode())
    digest.update(json.dumps(list(output_columns) if output_columns is not None else None).encode())
    for name, frame in frames.items():
        digest.update(json.dumps([str(name), [str(column) for column in frame.columns]]).encode())
        digest.update(hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def recorded_version(path: Path) -> str:
    """The version a recording was made under (compare with the version a replay would need)."""
    return json.loads(path.read_text(encoding="utf-8"))["version"]


class RecordingExecutor:
    """A real executor whose results are kept for ``ReplayExecutor``."""

    def __init__(self, inner: Executor, version: str) -> None:
        self.inner = inner
        self.version = version
        self.description = inner.description
        self.isolation_warning = inner.isolation_warning
        self.recorded: dict[str, dict[str, Any]] = {}

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        result = self.inner.run(code, frames, output_columns)
        if result.kind is not OutcomeKind.SANDBOX_ERROR:  # an infrastructure fault is not the code's result
            self.recorded[call_key(code, frames, output_columns)] = {
                **result.to_json(),
                "predictions": result.predictions,
            }
        return result

    def save(self, path: Path) -> None:
        """Write the recording (sorted, so re-recording an unchanged test leaves the file unchanged)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {"version": self.version, "description": self.description}
        document["isolation_warning"] = self.isolation_warning
        document["runs"] = dict(sorted(self.recorded.items()))
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ReplayExecutor:
    """Answers each call from a recording; a call that was not recorded raises SandboxError."""

    def __init__(self, path: Path, version: str) -> None:
        self.path = path
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["version"] != version:
            raise SandboxError(
                f"{path} was recorded with sandbox {document['version']}, not {version}: the runner changed;"
                " record it again (IBL_RECORD_EXECUTIONS=1, with Docker)"
            )
        self.description = f"replayed: {document['description']}"
        self.isolation_warning = document["isolation_warning"]
        self.runs: dict[str, dict[str, Any]] = document["runs"]
        self.replayed = 0

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        found = self.runs.get(call_key(code, frames, output_columns))
        if found is None:
            raise SandboxError(
                f"no recorded run of this call in {self.path}: the code or its frames changed since it was"
                " recorded; record it again (IBL_RECORD_EXECUTIONS=1, with Docker)"
            )
        self.replayed += 1
        return ExecutionResult(
            OutcomeKind(found["kind"]),
            found["predictions"],
            found["message"],
            found["detail"],
            found["duration_s"],
        )

    def close(self) -> None:
        """Nothing runs, so nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
