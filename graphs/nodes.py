"""The four nodes of the refinement loop, as plain functions of (state, runtime): wiring only.

Each node reads what it needs from the run directory (``CandidateFiles``), asks the loop's policy
(``ibl_agents.loop``: which step comes next, acceptance and the stop rule, the budget), does one step,
writes its artifacts, and returns a small state update. Failures of the model are data; a provider or
sandbox failure for good sets ``stop_reason`` so the loop ends cleanly with the best model so far.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

from langgraph.runtime import Runtime

from graphs.context import RunContext
from graphs.state import RefinementState
from ibl_agents.agents.critic import Evidence, critic_prompt, critique
from ibl_agents.agents.generator import BestSoFar, generate, next_prompt, train_constants
from ibl_agents.errors import ProviderError
from ibl_agents.evaluation.evaluate import Evaluation, evaluate_with_retries
from ibl_agents.loop.artifacts import CandidateFiles, write_json, write_text
from ibl_agents.loop.budget import spending
from ibl_agents.loop.candidate import CandidateSummary
from ibl_agents.loop.events import (
    CandidateEvent,
    ExecutingEvent,
    GeneratedEvent,
    RepairedEvent,
    StepEvent,
    WarningEvent,
)
from ibl_agents.loop.repairs import apply_repairs
from ibl_agents.loop.stopping import Progress, judge, stop_reason
from ibl_agents.loop.strategy import critique_step, draws_a_sample
from ibl_agents.models.chat import ModelReply
from ibl_agents.models.pricing import price_of
from sandbox.results import OutcomeKind

CUT_OFF_MESSAGE = (
    "the reply reached the reply cap (models.max_reply_tokens) before its code was complete; it was not run"
)
T = TypeVar("T")


def generate_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    if not isinstance(ctx, RunContext):  # started bare, e.g. from LangGraph Studio
        raise TypeError(
            "the refinement graph runs inside refine(), which builds its RunContext (data, sandbox, models);"
            " in LangGraph Studio start the ibl_run graph with a dataset path instead"
        )
    loop = ctx.config.loop
    iteration = state.get("iteration", 0) + 1
    files = CandidateFiles(ctx.run_dir, f"{iteration:04d}")
    ctx.emit(StepEvent(event="generating", iteration=iteration))
    constants = train_constants(ctx.dataset, ctx.splits.train)
    refining = not draws_a_sample(loop.strategy, loop.explore, iteration)
    fix_id = state.get("fix_id")
    feedback = state.get("feedback", "") if refining else ""
    prompt = next_prompt(
        ctx.dataset,
        ctx.splits.train,
        ctx.config,
        iteration,
        constants,
        feedback,
        failed_code=CandidateFiles(ctx.run_dir, fix_id).read_code() if fix_id is not None else None,
        best=_best_so_far(state, ctx) if refining and "best_code" in loop.feedback else None,
    )
    write_text(files.prompt, prompt.text)
    model = ctx.models.generator_for_call(iteration)  # a seed of its own: see ChatModels
    try:
        generation = _reviving(
            ctx,
            lambda: generate(
                model,
                prompt.text,
                constants,
                reask=loop.strategy != "one-shot",
                aids=loop.enabled_aids,
                cut_off=loop.cut_off,
            ),
        )
    except ProviderError as exc:
        return {
            "iteration": iteration,
            "stop_reason": "provider_error",
            "stop_detail": str(exc),
            "current": None,
        }
    reply, code = generation.reply, generation.code
    write_text(files.reply, reply.text)
    write_text(files.code, code or "")
    # The aids that shaped this candidate's prompt: what it stated, and findings in the feedback it carries.
    prompt_aids = prompt.stated_aids(loop.enabled_aids) + (state.get("feedback_aids", []) if feedback else [])
    current = CandidateSummary(
        id=files.id,
        iteration=iteration,
        kind="",
        message="",
        score=None,
        validation={},
        code_chars=len(code or ""),
        tokens=reply.total_tokens,
        accepted=False,
        aids=[*prompt_aids, *generation.aids_fired],
        defined_constants=generation.defined_constants,
    )
    if prompt.rows_shown is not None:
        current["rows_shown"] = prompt.rows_shown
    if generation.cut_off:
        current["cut_off"] = True
    ctx.emit(
        GeneratedEvent(
            event="generated",
            iteration=iteration,
            id=files.id,
            tokens=reply.total_tokens,
            attempts=reply.attempts,
            has_code=code is not None,
            cut_off=generation.cut_off,
            removed_example_lines=generation.removed_lines,
            fixes=fix_id,
        )
    )
    return {
        "iteration": iteration,
        "current": current,
        "fix_id": None,
        "fixing": fix_id is not None,
        **_spend(state, ctx, "generator", reply, iteration),
    }


def execute_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    current = dict(state["current"])
    files = CandidateFiles(ctx.run_dir, current["id"])
    # A resumed execute starts again from the LLM's code, not from a repair written before the kill.
    code = (files.as_written if files.as_written.exists() else files.code).read_text(encoding="utf-8")
    ctx.emit(ExecutingEvent(event="executing", iteration=current["iteration"], id=files.id))
    if current.get("cut_off"):
        return _scored(current, files, ctx, Evaluation(OutcomeKind.REPLY_CUT_OFF, CUT_OFF_MESSAGE))

    def evaluate(source: str) -> Evaluation:
        return evaluate_with_retries(source, ctx.dataset, ctx.splits, ctx.executor)

    repaired = apply_repairs(code, evaluate(code), evaluate, ctx.config.loop.enabled_aids, ctx.dataset.task)
    if repaired.record is not None:
        write_text(files.as_written, code)
        write_text(files.code, repaired.code)
        current["repair"] = repaired.record["kind"]
        current["aids"] = [*current.get("aids", []), repaired.record["kind"]]
        ctx.emit(RepairedEvent(event="repaired", id=files.id, **repaired.record))
    return _scored(current, files, ctx, repaired.evaluation, repaired.record)


def _scored(
    current: dict, files: CandidateFiles, ctx: RunContext, evaluation: Evaluation, repair: dict | None = None
) -> RefinementState:
    """Write the candidate's record and put its outcome into the state."""
    write_json(files.record, {**current, **evaluation.to_json(), "repair": repair})
    write_json(files.train_scores, evaluation.train_scores)
    score = evaluation.score(ctx.config.loop.metric)
    current.update(
        kind=evaluation.kind.value,
        message=evaluation.message,
        validation=evaluation.validation,
        score=score if evaluation.kind is OutcomeKind.OK else None,
    )
    if evaluation.kind is OutcomeKind.SANDBOX_ERROR:
        return {"current": current, "stop_reason": "sandbox_error", "stop_detail": evaluation.message}
    return {"current": current}


def decide_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    current = dict(state["current"])
    best, best_chars = state.get("best_score"), state.get("best_chars")
    verdict = judge(
        current["score"],
        current["code_chars"],
        best,
        best_chars,
        state.get("iterations_since_gain", 0),
        ctx.config.loop.min_delta,
    )
    update: RefinementState = {"iterations_since_gain": verdict.iterations_since_gain}
    if verdict.accepted:
        update.update(best_id=current["id"], best_score=current["score"], best_chars=current["code_chars"])
    current["accepted"] = verdict.accepted
    update["candidates"] = [CandidateSummary(**current)]
    progress = Progress(
        iteration=state["iteration"],
        best_score=update.get("best_score", best),
        iterations_since_gain=verdict.iterations_since_gain,
        tokens_used=state.get("tokens_used", 0),
        started_at=state["started_at"],
        cost_used=state.get("cost_used", 0.0),
    )
    update["stop_reason"] = state.get("stop_reason") or stop_reason(progress, ctx.config.loop)
    ctx.emit(
        CandidateEvent(
            event="candidate",
            **current,
            best_score=progress.best_score,
            tokens_used=progress.tokens_used,
            elapsed_s=round(time.time() - state["started_at"], 1),
        )
    )
    return update


def critique_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    loop = ctx.config.loop
    current = state["candidates"][-1]
    files = CandidateFiles(ctx.run_dir, current["id"])
    code = files.read_code()
    record = json.loads(files.record.read_text(encoding="utf-8"))
    evaluation = Evaluation.from_json(record, json.loads(files.train_scores.read_text(encoding="utf-8")))
    evidence = Evidence.of(
        evaluation,
        ctx.dataset,
        ctx.splits.train,
        loop.metric,
        state.get("best_score"),
        # The zero-row arm shows no labels, so no misclassified (labeled) train rows either.
        n_misclassified=loop.misclassified_rows
        if "misclassified_rows" in loop.feedback and loop.show_rows
        else 0,
        tracebacks="tracebacks" in loop.feedback,
        code=code,
        aids=loop.enabled_aids,
    )
    step = critique_step(
        loop,
        current["iteration"],
        valid=evaluation.kind is OutcomeKind.OK,
        has_best=bool(state.get("best_id")),
        fixing=bool(state.get("fixing")),
        fixable=bool(code.strip()) and evaluation.kind is not OutcomeKind.REPLY_CUT_OFF,
    )
    if step == "fresh_sample":
        return {"feedback": "", "feedback_aids": []}
    found: RefinementState = {"feedback_aids": list(evidence.findings)}
    if step in ("fix", "evidence"):
        feedback = evidence.as_feedback()
        write_text(files.feedback, feedback)
        return {"feedback": feedback, **found, **({"fix_id": files.id} if step == "fix" else {})}
    ctx.emit(StepEvent(event="critiquing", iteration=current["iteration"]))
    prompt = critic_prompt(code or "(no code)", evidence, ctx.dataset)
    try:
        feedback, reply = _reviving(ctx, lambda: critique(ctx.models.critic, prompt, evidence.notes))
    except ProviderError as exc:
        return {"stop_reason": "provider_error", "stop_detail": str(exc)}
    write_text(files.critic_prompt, prompt)
    write_text(files.feedback, feedback)
    return {"feedback": feedback, **found, **_spend(state, ctx, "critic", reply, current["iteration"])}


def _reviving(ctx: RunContext, call: Callable[[], T]) -> T:
    return ctx.models.reviving(call, lambda message: ctx.emit(WarningEvent(event="warning", message=message)))


def _spend(
    state: RefinementState, ctx: RunContext, node: str, reply: ModelReply, iteration: int
) -> RefinementState:
    name = ctx.models.generator_name if node == "generator" else ctx.models.critic_name
    return spending(state, node, reply, iteration, price_of(name))  # type: ignore[return-value]


def _best_so_far(state: RefinementState, ctx: RunContext) -> BestSoFar | None:
    best_id = state.get("best_id")
    if best_id is None:
        return None
    code = CandidateFiles(ctx.run_dir, best_id).read_code()
    return BestSoFar(code=code, score=state["best_score"], metric=ctx.config.loop.metric)
