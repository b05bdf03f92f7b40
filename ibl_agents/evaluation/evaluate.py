"""One candidate, judged: static contract -> sandbox on the train rows, then on every validation fold ->
host scoring.

Frames sent to the sandbox hold feature columns only; validation labels stay here. Train rows are run
too (their labels are already in the prompt) so the critic can show misclassified train rows. They run
first and alone, in a sandbox run that never holds a held-out row: code that fails everywhere fails on
them, with an error text the LLM may read in full. A failure on the validation folds reaches it only as
``held_out_failures`` rebuilds it (the exception type and the code lines), so no error text can carry a
held-out value into a prompt. The locked test split is not touched during the loop: it is scored once,
for the report, at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ibl_agents.codemodel.contract import check_contract
from ibl_agents.data.dataset import Dataset
from ibl_agents.data.splits import Splits
from ibl_agents.evaluation.gates import PredictionCheck, check_predictions
from ibl_agents.evaluation.held_out_failures import rule_broken, withheld
from ibl_agents.evaluation.metrics import FAILED_SCORE, metrics, pooled_and_folds
from ibl_agents.evaluation.row_order import restored, shuffled
from ibl_agents.tasks import selection_score
from sandbox.executor import Executor
from sandbox.results import ExecutionResult, OutcomeKind, Predictions

# The one name every frame is sent under (train rows, the validation folds pooled, the locked test):
# frames that differ by name could be told apart from the runner's stack and treated differently.
FRAME = "rows"
_FRAME_NAME = re.compile(r"on frame '[^']+'")


@dataclass
class Evaluation:
    """What the loop and the critic need to know about one candidate.

    ``message`` and ``detail`` are what the LLM is shown of a failure (the critic, the fix prompt, the
    candidate's JSON it is read back from): of a failure on held-out rows, only what ``withheld`` keeps.
    """

    kind: OutcomeKind
    message: str = ""
    detail: str = ""  # a trimmed traceback or stderr tail
    validation: dict[str, float] = field(default_factory=dict)  # pooled over all folds
    folds: list[dict[str, float]] = field(default_factory=list)
    train: dict[str, float] = field(default_factory=dict)
    train_scores: Predictions = field(default_factory=list)  # per train row, as predict returned them
    duration_s: float = 0.0

    def score(self, metric: str) -> float:
        """The ranking score of the selection ``metric`` (higher is better); failures rank below every
        real score."""
        score = selection_score(self.validation, metric) if self.kind is OutcomeKind.OK else None
        return FAILED_SCORE if score is None else score

    @classmethod
    def from_json(cls, record: dict[str, Any], train_scores: Predictions) -> Evaluation:
        """Inverse of ``to_json``; train scores are stored in their own file (they can be long)."""
        return cls(
            OutcomeKind(record["kind"]),
            record["message"],
            record["detail"],
            record["validation"],
            record["folds"],
            record["train"],
            train_scores,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "detail": self.detail,
            "validation": self.validation,
            "folds": self.folds,
            "train": self.train,
            "duration_s": round(self.duration_s, 3),
        }


def run_in_sandbox(
    executor: Executor, code: str, frames: dict[str, pd.DataFrame], dataset: Dataset
) -> ExecutionResult:
    """Run ``code`` asking for what the task needs: one probability column per class (multiclass), else
    one number per row. Only multiclass passes ``output_columns``, so executors that predate matrix
    results (test doubles, wrappers) serve binary and regression runs unchanged. Rows go in a seeded order
    of their own and the predictions come back in the frames' order (``row_order``)."""
    sent, orders = shuffled(frames, dataset.sha256)
    if dataset.task == "multiclass":
        return restored(executor.run(code, sent, dataset.classes), orders)
    return restored(executor.run(code, sent), orders)


SANDBOX_ATTEMPTS = 2  # a sandbox_error (the infrastructure's fault) is retried, never blamed on the model
NO_CODE = "the reply contained no Python code block"


def evaluate_with_retries(code: str, dataset: Dataset, splits: Splits, executor: Executor) -> Evaluation:
    """``evaluate_candidate``, with code-less replies scored without a run and sandbox faults retried."""
    if not code.strip():
        return Evaluation(OutcomeKind.SYNTAX_ERROR, NO_CODE)
    for _ in range(SANDBOX_ATTEMPTS):
        evaluation = evaluate_candidate(code, dataset, splits, executor)
        if evaluation.kind is not OutcomeKind.SANDBOX_ERROR:
            break
    return evaluation


def evaluate_candidate(code: str, dataset: Dataset, splits: Splits, executor: Executor) -> Evaluation:
    """Judge ``code``: the train rows' run first, the validation folds' run only once that one is valid.

    Each run is a process of its own holding one frame (the folds pooled into one, split again on the
    host), so no state of the code survives from one frame to the next and no frame can be told from
    another by its name. Each run has the executor's whole time limit; the duration is their sum.
    """
    violation = check_contract(code, dataset.target)
    if violation is not None:
        return Evaluation(violation.kind, violation.message)
    train = run_in_sandbox(executor, code, {FRAME: _features(dataset, splits.train)}, dataset)
    if train.kind is not OutcomeKind.OK:
        message = _FRAME_NAME.sub("on the training rows", train.message)  # frame names confuse the critic
        return Evaluation(train.kind, message, train.detail, duration_s=train.duration_s)
    check = _check(train, len(splits.train), dataset)
    if check.kind is not OutcomeKind.OK:
        return Evaluation(check.kind, f"on the training rows: {check.message}", duration_s=train.duration_s)
    pooled_rows = [row for rows in splits.folds for row in rows]
    held_out = run_in_sandbox(executor, code, {FRAME: _features(dataset, pooled_rows)}, dataset)
    duration = train.duration_s + held_out.duration_s
    if held_out.kind is OutcomeKind.SANDBOX_ERROR:  # ours, not the code's: it stops the run, for the user
        return Evaluation(held_out.kind, held_out.message, held_out.detail, duration_s=duration)
    if held_out.kind is not OutcomeKind.OK:
        return Evaluation(held_out.kind, *withheld(held_out, code), duration_s=duration)
    check = _check(held_out, len(pooled_rows), dataset)
    if check.kind is not OutcomeKind.OK:
        return Evaluation(check.kind, rule_broken(check.rule), duration_s=duration)
    return _score(train, held_out, dataset, splits, duration)


def _score(
    train: ExecutionResult, held_out: ExecutionResult, dataset: Dataset, splits: Splits, duration_s: float
) -> Evaluation:
    labels = dataset.y.to_numpy()
    pooled = np.asarray(held_out.predictions[FRAME])
    ends = np.cumsum([len(rows) for rows in splits.folds])
    validation, per_fold = pooled_and_folds(
        [labels[rows] for rows in splits.folds], np.split(pooled, ends[:-1]), dataset.task
    )
    train_scores = train.predictions[FRAME]
    return Evaluation(
        OutcomeKind.OK,
        validation=validation,
        folds=per_fold,
        train=metrics(labels[splits.train], np.asarray(train_scores), dataset.task),
        train_scores=list(train_scores),
        duration_s=duration_s,
    )


@dataclass(frozen=True)
class HeldOutScore:
    """A code model's metrics and per-row scores on rows outside the loop (the locked test split)."""

    kind: OutcomeKind
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    predictions: Predictions = field(default_factory=list)  # aligned with the rows scored

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.OK


def score_on_rows(code: str, dataset: Dataset, rows: list[int], executor: Executor) -> HeldOutScore:
    """Score a code model on an arbitrary row set, e.g. the locked test split for the report."""
    result = run_in_sandbox(executor, code, {FRAME: _features(dataset, rows)}, dataset)
    if result.kind is not OutcomeKind.OK:
        return HeldOutScore(result.kind, result.message)
    check = _check(result, len(rows), dataset)
    if check.kind is not OutcomeKind.OK:
        return HeldOutScore(check.kind, check.message)
    scores = result.predictions[FRAME]
    held_out = metrics(dataset.y.to_numpy()[rows], np.asarray(scores), dataset.task)
    return HeldOutScore(OutcomeKind.OK, metrics=held_out, predictions=scores)


def _check(result: ExecutionResult, rows: int, dataset: Dataset) -> PredictionCheck:
    """The host's gates on the one frame's predictions (every run sends one frame, named ``FRAME``)."""
    return check_predictions(result.predictions.get(FRAME, []), rows, dataset.task, len(dataset.classes))


def _features(dataset: Dataset, rows: list[int]) -> pd.DataFrame:
    return dataset.frame.iloc[rows].reset_index(drop=True)
