"""The critic agent: turns one evaluation into short, concrete feedback for the next generation.

It sees the candidate's code, the outcome (failure kind and trimmed traceback, or validation metrics),
the mechanical diagnostics, and *train* rows the code got wrong (``train_errors``: misclassified rows,
confused class pairs or the largest residuals, by task). Validation and test rows never reach it: only
aggregate validation metrics do.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from ibl_agents.data.dataset import Dataset
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.feedback.diagnostics import diagnose
from ibl_agents.feedback.error_region import error_region_note
from ibl_agents.feedback.train_errors import train_errors
from ibl_agents.feedback.unused_columns import unused_strong_columns
from ibl_agents.models.chat import ModelReply, ask
from ibl_agents.prompts.task_parts import critic_parts
from ibl_agents.prompts.templates import render
from ibl_agents.tasks import REPORTED_METRICS, shown_score
from sandbox.results import OutcomeKind

DETAIL_CHARS = 1500


@dataclass(frozen=True)
class Evidence:
    """What one evaluation shows, as text: the material of the critic prompt or of raw feedback.

    ``tracebacks`` and ``n_misclassified`` are the ablation switches of ``loop.feedback``: with them off,
    a failure is named by its kind and one-line message only, and no train rows are shown. ``findings``
    names the scaffold aids whose finding (a line of code to add) is among the notes.
    """

    outcome: str
    notes: list[str]
    misclassified: str
    findings: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        evaluation: Evaluation,
        dataset: Dataset,
        train_rows: list[int],
        metric: str,
        best: float | None,
        *,
        n_misclassified: int,
        tracebacks: bool,
        code: str = "",
        aids: tuple[str, ...] = (),
    ) -> Evidence:
        """``code``: the candidate's source, for the strong-columns-left-out finding; ``aids``: the
        scaffold aids, of which ``unused_columns`` and ``error_region`` add a finding with code to add."""
        ok = evaluation.kind is OutcomeKind.OK
        notes = diagnose(evaluation, dataset.features, metric, dataset.task, dataset.classes)
        finding = _finding(evaluation, dataset, train_rows, code, aids) if ok else None
        return cls(
            _outcome(evaluation, dataset.task, metric, best, tracebacks),
            [*notes, finding[1]] if finding else notes,
            train_errors(evaluation.train_scores, dataset, train_rows, n_misclassified)
            if ok and n_misclassified > 0
            else "",
            (finding[0],) if finding else (),
        )

    @property
    def diagnostics(self) -> str:
        listed = "".join(f"- {note}\n" for note in self.notes)
        return f"\nDiagnostics:\n{listed}" if self.notes else ""

    def as_feedback(self) -> str:
        """The evidence handed to the generator as is, when the critic LLM is switched off."""
        return f"{self.outcome}\n{self.diagnostics}{self.misclassified}".strip()


def _finding(
    evaluation: Evaluation, dataset: Dataset, train_rows: list[int], code: str, aids: tuple[str, ...]
) -> tuple[str, str] | None:
    """(aid, note) of the one finding to act on, or None.

    One finding, because the errors of a model that leaves a strong column out are mostly that column's:
    given both, the 1.5B model mangled the region's rule on moons and never added the column (test AUC
    0.832, where adding the column first reached 0.967).
    """
    if "unused_columns" in aids and code:
        unused = unused_strong_columns(code, dataset, train_rows)
        if unused:
            return "unused_columns", unused
    if "error_region" in aids:
        region = error_region_note(evaluation.train_scores, dataset, train_rows)
        if region:
            return "error_region", region
    return None


def critic_prompt(code: str, evidence: Evidence, dataset: Dataset) -> str:
    """Render the critic prompt for one candidate's code and evidence."""
    return render(
        "critic",
        target=dataset.target,
        **critic_parts(dataset),
        column_names=", ".join(dataset.features),
        code=code.strip(),
        outcome=evidence.outcome,
        diagnostics=evidence.diagnostics,
        misclassified=evidence.misclassified,
    )


def critique(model: BaseChatModel, prompt: str, notes: list[str]) -> tuple[str, ModelReply]:
    """Ask the critic; feedback = mechanical diagnostics first, then the critic's bullets."""
    reply = ask(model, prompt)
    parts = [f"- {n}" for n in notes] + [reply.text.strip()]
    return "\n".join(p for p in parts if p), reply


def _outcome(evaluation: Evaluation, task: str, metric: str, best: float | None, tracebacks: bool) -> str:
    if evaluation.kind is not OutcomeKind.OK:
        detail = evaluation.detail[-DETAIL_CHARS:].strip() if tracebacks else ""
        return f"It failed: {evaluation.kind.value}: {evaluation.message}" + (
            f"\nTraceback (last lines):\n{detail}" if detail else ""
        )
    name, _ = shown_score(metric, 0.0)
    shown = [name, *(other for other in REPORTED_METRICS[task] if other != name)]
    scores = ", ".join(f"{other} {evaluation.validation.get(other, float('nan')):.3f}" for other in shown)
    best_text = (
        f"; the best code so far scores {shown_score(metric, best)[1]:.3f}" if best is not None else ""
    )
    train = "accuracy" if task != "regression" else name
    train_score = evaluation.train.get(train, float("nan"))
    return f"It ran. Validation {scores}{best_text}. Train {train} {train_score:.3f}."
