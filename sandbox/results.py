"""Result types shared by the sandbox and the host.

The sandbox never raises for the code model's own faults: every way a candidate can fail is an
``OutcomeKind`` inside an ``ExecutionResult``, so the loop can show it to the critic as data.
``SANDBOX_ERROR`` is the one kind that is *our* fault (infrastructure); it is never blamed on the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Predictions = list[float] | list[list[float]]  # one number per row, or one row of numbers per row


class OutcomeKind(StrEnum):
    """How one candidate evaluation ended; the value is what lands in JSON artifacts."""

    OK = "ok"
    SYNTAX_ERROR = "syntax_error"
    REPLY_CUT_OFF = "reply_cut_off"  # the reply cap ended the code before it was complete; never run
    CONTRACT_ERROR = "contract_error"
    FORBIDDEN_IMPORT = "forbidden_import"
    IMPORT_ERROR = "import_error"
    RUNTIME_ERROR = "runtime_error"
    INVALID_OUTPUT = "invalid_output"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    PROCESS_LIMIT = "process_limit"
    OUTPUT_LIMIT = "output_limit"
    CRASH = "crash"
    SANDBOX_ERROR = "sandbox_error"

    @property
    def is_model_fault(self) -> bool:
        """True when the code model, not the infrastructure, caused a failure."""
        return self not in (OutcomeKind.OK, OutcomeKind.SANDBOX_ERROR)


@dataclass(frozen=True)
class ExecutionResult:
    """What came back from running one candidate on every frame.

    ``predictions`` maps each frame name to one float per row (one list of floats per row when a matrix
    was asked for: class probabilities) and is filled only when ``kind`` is OK.
    ``message`` is one line for humans and the critic; ``detail`` is a trimmed traceback or stderr tail.
    """

    kind: OutcomeKind
    predictions: dict[str, Predictions] = field(default_factory=dict)
    message: str = ""
    detail: str = ""
    duration_s: float = 0.0

    def to_json(self) -> dict[str, object]:
        """Plain-JSON form (predictions left out: they are stored separately)."""
        return {
            "kind": self.kind.value,
            "message": self.message,
            "detail": self.detail,
            "duration_s": round(self.duration_s, 4),
        }
