"""Judging one code model outside the loop: a file (or a raw LLM reply) scored on one labeled table.

It takes the same path as a candidate inside the loop, so a number from ``ibl score`` means the same as
one from ``ibl run``: extraction (prose and fences removed) -> top-level example usage dropped -> static
contract -> one fresh sandbox container -> host gates and metrics. The labels never enter the sandbox.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from ibl_agents.codemodel.contract import check_contract
from ibl_agents.codemodel.extraction import drop_example_usage, extract_code, parses
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.errors import DataError
from ibl_agents.evaluation.evaluate import score_on_rows
from sandbox.backends import open_executor
from sandbox.executor import Executor
from sandbox.results import OutcomeKind


@dataclass(frozen=True)
class FileScore:
    """Outcome of one code model on one table; ``metrics`` (the task's: ``tasks.REPORTED_METRICS``) only
    when ``kind`` is ok.

    ``extracted`` says the file was not plain Python (prose or fences were removed), and
    ``dropped_lines`` which top-level example-usage lines were removed before execution.
    """

    kind: OutcomeKind
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    extracted: bool = False
    dropped_lines: list[int] = field(default_factory=list)
    sandbox: str = ""
    isolation_warning: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.OK

    def lines(self) -> list[str]:
        """Human-readable report: the outcome and metrics (or the failure), then what was cleaned up."""
        if self.ok:
            head = "  ".join(["ok", *(f"{name} {value:.4f}" for name, value in self.metrics.items())])
        else:
            head = f"{self.kind.value}: {self.message}"
        notes = ["code extracted from a reply with prose or fences"] if self.extracted else []
        if self.dropped_lines:
            notes.append(f"{len(self.dropped_lines)} lines of top-level example usage dropped before running")
        return [head, *notes]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "metrics": self.metrics,
            "extracted": self.extracted,
            "dropped_lines": self.dropped_lines,
            "sandbox": self.sandbox,
            "isolation_warning": self.isolation_warning,
        }


def score_reply(reply: str, dataset: Dataset, executor: Executor) -> FileScore:
    """Score a code model given as source or as a whole LLM reply; the model's faults are data."""
    # A file that is Python already (a run's own best_model.py, docstring first) is scored as it is;
    # only a reply with prose or fences is extracted.
    code = (
        reply if parses(reply) and re.search(r"^def predict\(", reply, re.MULTILINE) else extract_code(reply)
    )
    if code is None:
        return FileScore(
            OutcomeKind.CONTRACT_ERROR, "no Python code found (expected a `predict(df)` function)"
        )
    extracted = code.strip() != reply.strip()
    code, dropped = drop_example_usage(code)
    violation = check_contract(code, dataset.target)
    if violation is not None:
        return FileScore(violation.kind, violation.message, extracted=extracted, dropped_lines=dropped)
    held = score_on_rows(code, dataset, list(range(len(dataset.y))), executor)
    return FileScore(held.kind, held.message, held.metrics, extracted, dropped)


def score_file(
    model: Path, data: Path, target: str, sandbox: str = "docker", task: str = "auto"
) -> FileScore:
    """Score the code model in ``model`` on the labeled table ``data`` (CSV or Parquet) in a sandbox.

    ``sandbox`` is docker, process or auto (``sandbox.backends``); ``task`` binary, multiclass,
    regression or auto (``ibl_agents.tasks``). Raises ``DataError`` for input the user must fix (checked
    before the sandbox is touched), and ``SandboxError`` when none is available.
    """
    reply = _read_model(model)
    dataset = load_dataset(data, target, task=task)
    # One run: a container started ahead would only idle.
    with open_executor(sandbox, prestart=False) as executor:
        scored = score_reply(reply, dataset, executor)
        return dataclasses.replace(
            scored, sandbox=executor.description, isolation_warning=executor.isolation_warning
        )


def _read_model(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"code model file not found: {path} (pass the .py file or saved LLM reply)")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text; pass a Python file or a saved LLM reply") from exc
