"""The critic agent: turns one evaluation into short, concrete feedback for the next generation.

It sees the candidate's code, the outcome (failure kind and trimmed traceback, or validation metrics),
the mechanical diagnostics, and a class-balanced sample of *train* rows the code got wrong. Validation
and test rows never reach it: only aggregate validation metrics do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from langchain_core.language_models import BaseChatModel

from ibl_agents.chat import ModelReply, ask
from ibl_agents.dataset import Dataset
from ibl_agents.diagnostics import diagnose
from ibl_agents.evaluation import Evaluation
from ibl_agents.prompting import render
from sandbox.results import OutcomeKind

DETAIL_CHARS = 1500


@dataclass(frozen=True)
class Evidence:
    """What one evaluation shows, as text: the material of the critic prompt or of raw feedback.

    ``tracebacks`` and ``n_misclassified`` are the ablation switches of ``loop.feedback``: with them off,
    a failure is named by its kind and one-line message only, and no train rows are shown.
    """

    outcome: str
    notes: list[str]
    misclassified: str

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
    ) -> Evidence:
        return cls(
            _outcome(evaluation, metric, best, tracebacks),
            diagnose(evaluation, dataset.features, metric),
            _misclassified(evaluation, dataset, train_rows, n_misclassified),
        )

    @property
    def diagnostics(self) -> str:
        listed = "".join(f"- {note}\n" for note in self.notes)
        return f"\nDiagnostics:\n{listed}" if self.notes else ""

    def as_feedback(self) -> str:
        """The evidence handed to the generator as is, when the critic LLM is switched off."""
        return f"{self.outcome}\n{self.diagnostics}{self.misclassified}".strip()


def critic_prompt(code: str, evidence: Evidence, dataset: Dataset) -> str:
    """Render the critic prompt for one candidate's code and evidence."""
    return render(
        "critic",
        target=dataset.target,
        positive_label=dataset.positive_label,
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


def _outcome(evaluation: Evaluation, metric: str, best: float | None, tracebacks: bool) -> str:
    if evaluation.kind is not OutcomeKind.OK:
        detail = evaluation.detail[-DETAIL_CHARS:].strip() if tracebacks else ""
        return f"It failed: {evaluation.kind.value}: {evaluation.message}" + (
            f"\nTraceback (last lines):\n{detail}" if detail else ""
        )
    score = evaluation.validation.get(metric, float("nan"))
    best_text = f"; the best code so far scores {best:.3f}" if best is not None else ""
    return (
        f"It ran. Validation {metric} {score:.3f}, accuracy {evaluation.validation['accuracy']:.3f}"
        f"{best_text}. Train accuracy {evaluation.train.get('accuracy', float('nan')):.3f}."
    )


def _misclassified(evaluation: Evaluation, dataset: Dataset, train_rows: list[int], limit: int) -> str:
    """A class-balanced sample of train rows the code got wrong, with its predicted probability."""
    if evaluation.kind is not OutcomeKind.OK or limit <= 0:
        return ""
    scores = np.asarray(evaluation.train_scores)
    truth = dataset.y.to_numpy()[train_rows]
    wrong = np.flatnonzero((scores >= 0.5).astype(int) != truth)
    if wrong.size == 0:
        return "\nIt classifies every training row correctly.\n"
    by_class = [wrong[truth[wrong] == c][: limit // 2 + limit % 2] for c in (1, 0)]
    picked = sorted(np.concatenate(by_class).tolist())[:limit]
    table = dataset.frame.iloc[[train_rows[i] for i in picked]].reset_index(drop=True)
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                {
                    dataset.target: [
                        dataset.positive_label if truth[i] else dataset.negative_label for i in picked
                    ],
                    "predicted_probability": [round(float(scores[i]), 3) for i in picked],
                }
            ),
        ],
        axis=1,
    )
    return (
        f"\n{wrong.size} of {len(train_rows)} training rows are misclassified; some of them:\n"
        + table.to_csv(index=False, float_format="%.4g")
    )
