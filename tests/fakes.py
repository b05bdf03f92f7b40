"""Fakes at our own seams: the scripted chat model (shipped: ``ibl_agents.models.scripted``), a reply
helper and an in-process executor for code the tests wrote."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sandbox import runner
from sandbox.protocol import encode_request
from sandbox.results import ExecutionResult, OutcomeKind


def fenced(code: str) -> str:
    return f"Here is the code:\n```python\n{code.strip()}\n```\n"


class InProcessExecutor:
    """The executor seam without any isolation: the trusted runner's own ``run``, in this process.

    For code the tests wrote, never for a model's. It answers exactly as the sandbox would (the runner's
    messages and trimmed tracebacks) in milliseconds, and records every call's frame names and result.
    """

    description = "in-process runner (tests only)"
    isolation_warning = "no isolation: runs test code in the test process"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.results: list[ExecutionResult] = []

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        self.calls.append([str(name) for name in frames])
        answer = runner.run(encode_request(code, frames, output_columns))
        predictions = {name: values.tolist() for name, values in answer.get("predictions", {}).items()}
        kind = OutcomeKind(answer["kind"])
        result = ExecutionResult(kind, predictions, answer["message"], answer.get("detail", ""))
        self.results.append(result)
        return result

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> InProcessExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
