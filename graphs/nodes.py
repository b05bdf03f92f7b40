"""The four nodes of the refinement loop, as plain functions of (state, runtime).

Each node reads what it needs from the run directory, does one step, writes its artifacts, and returns
a small state update. Failures of the model are data; a provider or sandbox failure for good sets
``stop_reason`` so the loop ends cleanly with the best model so far.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

from langgraph.runtime import Runtime

from graphs.context import RunContext
from graphs.state import CandidateSummary, RefinementState
from ibl_agents.agents.critic import Evidence, critic_prompt, critique
from ibl_agents.agents.generator import (
    STATED_BY_PROMPT,
    BestSoFar,
    fix_prompt,
    generate,
    generator_prompt_and_rows,
    revise_prompt,
    train_constants,
)
from ibl_agents.errors import ProviderError
from ibl_agents.evaluation.evaluate import Evaluation, evaluate_candidate
from ibl_agents.loop.artifacts import candidate_path, write_json, write_text
from ibl_agents.loop.repairs import apply_repairs
from ibl_agents.loop.stopping import Progress, is_better, is_gain, stop_reason
from ibl_agents.models.chat import ModelReply
from ibl_agents.models.pricing import price_of
from sandbox.results import OutcomeKind

SANDBOX_ATTEMPTS = 2
CUT_OFF_MESSAGE = (
    "the reply reached the reply cap (models.max_reply_tokens) before its code was complete; it was not run"
)
T = TypeVar("T")


def generate_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    iteration = state.get("iteration", 0) + 1
    candidate_id = f"{iteration:04d}"
    ctx.emit({"event": "generating", "iteration": iteration})
    loop = ctx.config.loop
    aids = loop.enabled_aids
    constants = train_constants(ctx.dataset, ctx.splits.train)
    # The other strategies, and refine while it explores, draw independent samples.
    refining = loop.strategy == "refine" and iteration > loop.explore
    fix_id = state.get("fix_id")
    best = _best_so_far(state, ctx) if refining and "best_code" in loop.feedback else None
    feedback = state.get("feedback", "") if refining else ""
    rows_shown: int | None = None  # the revise and fix prompts show no rows
    if fix_id is not None:
        failed_code = candidate_path(ctx.run_dir, fix_id, ".py").read_text(encoding="utf-8")
        prompt = fix_prompt(ctx.dataset, failed_code, feedback, aids)
        prompt_kind = "fix"
    elif best is not None:
        prompt = revise_prompt(ctx.dataset, best, feedback, constants, aids)
        prompt_kind = "revise"
    else:
        prompt, rows_shown = generator_prompt_and_rows(
            ctx.dataset,
            ctx.splits.train,
            token_budget=ctx.config.prompt_budget,
            seed=ctx.config.data.seed + iteration,
            feedback=feedback,
            constants=constants,
            aids=aids,
            show_rows=loop.show_rows,
        )
        prompt_kind = "first"
    # The aids that shaped this candidate's prompt: what it stated, and findings in the feedback it carries.
    prompt_aids = [aid for aid in aids if aid in STATED_BY_PROMPT[prompt_kind]]
    prompt_aids += state.get("feedback_aids", []) if feedback else []
    write_text(candidate_path(ctx.run_dir, candidate_id, ".prompt.txt"), prompt)
    reask = loop.strategy != "one-shot"
    model = ctx.models.generator_for_call(iteration)  # a seed of its own: see ChatModels
    try:
        generation = _reviving(
            ctx, lambda: generate(model, prompt, constants, reask=reask, aids=aids, cut_off=loop.cut_off)
        )
    except ProviderError as exc:
        return {
            "iteration": iteration,
            "stop_reason": "provider_error",
            "stop_detail": str(exc),
            "current": None,
        }
    reply, code = generation.reply, generation.code
    write_text(candidate_path(ctx.run_dir, candidate_id, ".reply.txt"), reply.text)
    write_text(candidate_path(ctx.run_dir, candidate_id, ".py"), code or "")
    current = CandidateSummary(
        id=candidate_id,
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
    if rows_shown is not None:
        current["rows_shown"] = rows_shown
    if generation.cut_off:
        current["cut_off"] = True
    ctx.emit(
        {
            "event": "generated",
            "iteration": iteration,
            "id": candidate_id,
            "tokens": reply.total_tokens,
            "attempts": reply.attempts,
            "has_code": code is not None,
            "cut_off": generation.cut_off,
            "removed_example_lines": generation.removed_lines,
            "fixes": fix_id,
        }
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
    code_file = candidate_path(ctx.run_dir, current["id"], ".py")
    as_written_file = candidate_path(ctx.run_dir, current["id"], ".as_written.py")
    # A resumed execute starts again from the LLM's code, not from a repair written before the kill.
    code = (as_written_file if as_written_file.exists() else code_file).read_text(encoding="utf-8")
    ctx.emit({"event": "executing", "iteration": current["iteration"], "id": current["id"]})
    if current.get("cut_off"):
        return _scored(current, ctx, Evaluation(OutcomeKind.REPLY_CUT_OFF, CUT_OFF_MESSAGE))
    repaired = apply_repairs(
        code,
        _evaluate(code, ctx),
        lambda source: _evaluate(source, ctx),
        ctx.config.loop.enabled_aids,
        ctx.dataset.task,
    )
    evaluation = repaired.evaluation
    if repaired.record is not None:
        write_text(as_written_file, code)
        write_text(code_file, repaired.code)
        current["repair"] = repaired.record["kind"]
        current["aids"] = [*current.get("aids", []), repaired.record["kind"]]
        ctx.emit({"event": "repaired", "id": current["id"], **repaired.record})
    return _scored(current, ctx, evaluation, repaired.record)


def _scored(
    current: dict, ctx: RunContext, evaluation: Evaluation, repair: dict | None = None
) -> RefinementState:
    """Write the candidate's record and put its outcome into the state."""
    record = {**current, **evaluation.to_json(), "repair": repair}
    write_json(candidate_path(ctx.run_dir, current["id"], ".json"), record)
    write_json(candidate_path(ctx.run_dir, current["id"], ".train_scores.json"), evaluation.train_scores)
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


def _evaluate(code: str, ctx: RunContext) -> Evaluation:
    if not code.strip():
        return Evaluation(OutcomeKind.SYNTAX_ERROR, "the reply contained no Python code block")
    for _ in range(SANDBOX_ATTEMPTS):  # infrastructure faults are retried, never blamed on the model
        evaluation = evaluate_candidate(code, ctx.dataset, ctx.splits, ctx.executor)
        if evaluation.kind is not OutcomeKind.SANDBOX_ERROR:
            break
    return evaluation


def decide_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    loop = ctx.config.loop
    current = dict(state["current"])
    best, best_chars = state.get("best_score"), state.get("best_chars")
    score = current["score"]
    accepted = score is not None and is_better(score, current["code_chars"], best, best_chars)
    gained = score is not None and is_gain(score, best, loop.min_delta)
    # The plateau counts valid candidates that do not improve on the best: a failed one says nothing
    # about whether the scores have settled (a cut-off reply, a read of the target), so it only spends
    # budget. Before, on moons, two failed rewrites ended refine runs after 3 of their 6 calls.
    waiting = state.get("iterations_since_gain", 0)
    if gained or best is None:
        waiting = 0
    elif score is not None:
        waiting += 1
    update: RefinementState = {"iterations_since_gain": waiting}
    if accepted:
        update.update(best_id=current["id"], best_score=score, best_chars=current["code_chars"])
    current["accepted"] = accepted
    update["candidates"] = [CandidateSummary(**current)]
    reason = state.get("stop_reason") or stop_reason(
        Progress(
            iteration=state["iteration"],
            best_score=update.get("best_score", best),
            iterations_since_gain=update["iterations_since_gain"],
            tokens_used=state.get("tokens_used", 0),
            started_at=state["started_at"],
            cost_used=state.get("cost_used", 0.0),
        ),
        loop,
    )
    update["stop_reason"] = reason
    ctx.emit(
        {
            "event": "candidate",
            **current,
            "best_score": update.get("best_score", best),
            "tokens_used": state.get("tokens_used", 0),
            "elapsed_s": round(time.time() - state["started_at"], 1),
        }
    )
    return update


def critique_node(state: RefinementState, runtime: Runtime[RunContext]) -> RefinementState:
    ctx = runtime.context
    current = state["candidates"][-1]
    code = candidate_path(ctx.run_dir, current["id"], ".py").read_text(encoding="utf-8")
    record = json.loads(candidate_path(ctx.run_dir, current["id"], ".json").read_text(encoding="utf-8"))
    scores = json.loads(
        candidate_path(ctx.run_dir, current["id"], ".train_scores.json").read_text(encoding="utf-8")
    )
    evaluation = Evaluation.from_json(record, scores)
    loop = ctx.config.loop
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
    found: RefinementState = {"feedback_aids": list(evidence.findings)}
    # A failed refinement is fixed, and so is a failed sample while no valid model exists; otherwise
    # refinement starts from the best sample, not from the last one.
    sample = current["iteration"] <= loop.explore
    failed = evaluation.kind is not OutcomeKind.OK and not (sample and state.get("best_id"))
    if failed and state.get("fixing") and not state.get("best_id"):
        # Nothing valid yet and the fix failed too: the next call is a fresh sample (best-of-n's prompt
        # for that call), not a rewrite told about the failure. On Titanic a refine run whose first
        # draft failed spent its 6 calls on fixes and rewrites of failures and ended with no model,
        # where best-of-6's fresh samples of the same calls were valid 4 times of 6.
        return {"feedback": "", "feedback_aids": []}
    # A cut-off reply was already asked once for shorter code; a fix prompt drew the same fragment again.
    fixable = bool(code.strip()) and evaluation.kind is not OutcomeKind.REPLY_CUT_OFF
    fix = loop.fix_failures and failed and fixable and not state.get("fixing")
    # A fix needs only the exact error; the ablation without a critic passes the evidence as is too.
    if fix or "critic" not in loop.feedback:
        feedback = evidence.as_feedback()
        write_text(ctx.run_dir / "feedback" / f"{current['id']}.txt", feedback)
        return {"feedback": feedback, **found, **({"fix_id": current["id"]} if fix else {})}
    ctx.emit({"event": "critiquing", "iteration": current["iteration"]})
    prompt = critic_prompt(code or "(no code)", evidence, ctx.dataset)
    try:
        feedback, reply = _reviving(ctx, lambda: critique(ctx.models.critic, prompt, evidence.notes))
    except ProviderError as exc:
        return {"stop_reason": "provider_error", "stop_detail": str(exc)}
    write_text(ctx.run_dir / "feedback" / f"{current['id']}.prompt.txt", prompt)
    write_text(ctx.run_dir / "feedback" / f"{current['id']}.txt", feedback)
    return {"feedback": feedback, **found, **_spend(state, ctx, "critic", reply, current["iteration"])}


def _reviving(ctx: RunContext, call: Callable[[], T]) -> T:
    """Make a model call; if it failed because the embedded model server died, restart it and retry once.

    A restart that fails raises ModelServerError (a ProviderError), which ends the run as provider_error.
    """
    try:
        return call()
    except ProviderError:
        if not ctx.models.revive():
            raise
    ctx.emit(
        {"event": "warning", "message": "the local model server died; restarted it and retried the call"}
    )
    return call()


def _spend(
    state: RefinementState, ctx: RunContext, node: str, reply: ModelReply, iteration: int
) -> RefinementState:
    """Tokens and dollars of one reply, added to the run's totals by node (and, for dollars, by iteration)."""
    by_node = dict(state.get("tokens_by_node", {}))
    by_node[node] = by_node.get(node, 0) + reply.total_tokens
    update: RefinementState = {
        "tokens_used": state.get("tokens_used", 0) + reply.total_tokens,
        "tokens_by_node": by_node,
        "estimated_tokens": state.get("estimated_tokens", False) or reply.estimated,
        "replayed_replies": state.get("replayed_replies", 0) + reply.replayed,
    }
    price = price_of(ctx.models.generator_name if node == "generator" else ctx.models.critic_name)
    if price is None:
        return update
    cost = price.cost(reply.prompt_tokens, reply.completion_tokens)
    cost_by_node = dict(state.get("cost_by_node", {}))
    cost_by_node[node] = cost_by_node.get(node, 0.0) + cost
    by_iteration = list(state.get("cost_by_iteration", []))
    by_iteration += [0.0] * (iteration - len(by_iteration))
    by_iteration[iteration - 1] += cost
    return {
        **update,
        "cost_used": state.get("cost_used", 0.0) + cost,
        "cost_by_node": cost_by_node,
        "cost_by_iteration": by_iteration,
    }


def _best_so_far(state: RefinementState, ctx: RunContext) -> BestSoFar | None:
    best_id = state.get("best_id")
    if best_id is None:
        return None
    code = candidate_path(ctx.run_dir, best_id, ".py").read_text(encoding="utf-8")
    return BestSoFar(code=code, score=state["best_score"], metric=ctx.config.loop.metric)
