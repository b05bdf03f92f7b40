"""``refine(config) -> RunSummary``: the one library call behind ``ibl run``.

Order of work: prepare data (load, audit, split) -> sandbox executor -> chat models -> run directory
(config, manifest, the checkpoint thread) -> LangGraph loop checkpointing every step (SQLite in the run
directory, or ``checkpoint_db``) -> locked-test score of the best candidate, baselines on the same rows
(fitted on the shown rows and on all labeled rows) and the harness-only models (the prompt's aids with no
LLM) -> best_model.py and summary.json. ``complete_run`` is shared with ``ibl resume``
(ibl_agents/run/resume.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from graphs.context import RunContext
from graphs.refinement import build_refinement_graph
from graphs.state import RefinementState
from ibl_agents.agents.generator import check_prompt_fits
from ibl_agents.baselines.fit import all_labeled_predictions, baseline_metrics, baseline_predictions
from ibl_agents.baselines.harness_only import harness_only_predictions
from ibl_agents.config import RefineConfig
from ibl_agents.data.prepare import prepare_data
from ibl_agents.data.target import prediction_meaning, target_meaning
from ibl_agents.evaluation.evaluate import score_on_rows
from ibl_agents.inspection.memorisation import check_memorisation
from ibl_agents.loop.artifacts import (
    CandidateFiles,
    best_model_source,
    new_run_dir,
    write_json,
    write_text,
)
from ibl_agents.loop.events import FinishEvent, StartEvent, WarningEvent
from ibl_agents.models.pricing import unpriced
from ibl_agents.models.providers import ChatModels
from ibl_agents.run.checkpoints import (
    RunThread,
    checked_checkpoint_db,
    open_checkpointer,
    start_thread,
    working_on,
)
from ibl_agents.run.preflight import preflight
from ibl_agents.run.session import EventSink, event_sink, open_run_parts
from ibl_agents.scaffold import AID_ACTIONS
from ibl_agents.tasks import NEGATED, REPORTED_METRICS, selection_metric
from sandbox.executor import Executor
from sandbox.results import Predictions


@dataclass
class RunSummary:
    """What a run produced; the same object for the CLI, scripts and the sklearn estimator."""

    run_dir: str
    ok: bool  # a valid LLM-written code model was produced
    stop_reason: str
    stop_detail: str
    iterations: int
    best_id: str | None
    best_code: str | None
    validation: dict[str, float]
    test: dict[str, float]
    baselines: dict[str, dict[str, dict[str, float]]]
    tokens_used: int
    tokens_by_node: dict[str, int]
    tokens_estimated: bool
    replayed_replies: int  # replies served from the response cache; the rest were model calls
    cost_usd: float | None  # None when a model has no price (cost_note names it); replays count as recorded
    cost_by_node: dict[str, float]
    cost_by_iteration: list[float]
    cost_note: str
    wall_s: float
    generator_model: str
    critic_model: str
    sandbox: str
    warnings: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    memorisation: dict[str, Any] = field(default_factory=dict)  # of the best code: inspection.memorisation
    task: str = "binary"  # binary, multiclass or regression (ibl_agents.tasks); older summaries: binary
    metric: str = "auc"  # the selection metric candidates were ranked by
    # How much the harness helped (ibl_agents.scaffold): level, aids enabled, how many candidates each aid
    # shaped, and the aids behind the best model. Older summaries: {} (they ran the full level).
    scaffold: dict[str, Any] = field(default_factory=dict)
    # The prompt's aids applied with no LLM (baselines.harness_only), scored like ``baselines``;
    # older summaries have none. ``harness_region``: the error region ``template+region`` added, or None.
    harness_only: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    harness_region: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def refine(
    config: RefineConfig,
    *,
    frame: pd.DataFrame | None = None,
    on_event: EventSink | None = None,
    executor: Executor | None = None,
    models: ChatModels | None = None,
    log: Callable[[str], None] = print,
) -> RunSummary:
    """Run the refinement loop. ``executor`` and ``models`` may be injected (tests, shared servers)."""
    early_warnings = preflight(config, models_given=models is not None, read_data=False)
    checkpoint_db = checked_checkpoint_db(config.checkpoint_db)
    prepared = prepare_data(config.data, frame)
    metric = selection_metric(config.loop.metric, prepared.dataset.task)  # auto: the task's default
    config = replace(config, loop=replace(config.loop, metric=metric))  # config.json records it
    check_prompt_fits(prepared.dataset, prepared.splits.train, config)
    name = config.name or (Path(config.data.path).stem if config.data.path else "dataframe")
    # Sandbox and models first: an environment problem fails before anything is written.
    with (
        open_run_parts(config, prepared, executor=executor, models=models, log=log) as parts,
        working_on(new_run_dir(Path(config.runs_dir), name)) as run_dir,
    ):
        write_json(run_dir / "config.json", config.to_json())
        write_json(run_dir / "manifest.json", prepared.manifest)
        thread = start_thread(run_dir, checkpoint_db)
        emit = event_sink(run_dir, on_event)
        parts.warnings[:0] = early_warnings  # the summary lists them too
        for warning in parts.warnings:
            emit(WarningEvent(event="warning", message=warning))
        started = time.time()
        emit(
            StartEvent(
                event="start",
                run_dir=str(run_dir),
                sandbox=parts.executor.description,
                generator=parts.models.generator_name,
                critic=parts.models.critic_name,
                task=prepared.dataset.task,
                task_reason=prepared.dataset.task_reason,
                classes=list(prepared.dataset.classes),
                metric=metric,
                train_rows=len(prepared.splits.train),
                validation_rows=len(prepared.splits.validation),
                test_rows=len(prepared.splits.test),
            )
        )
        context = RunContext(
            config, prepared.dataset, prepared.splits, parts.executor, parts.models, run_dir, emit
        )
        initial: RefinementState = {
            "strategy": config.loop.strategy,
            "explore": config.loop.explore,
            "started_at": started,
            "iteration": 0,
            "candidates": [],
            "tokens_used": 0,
        }
        return complete_run(context, thread, initial, parts.warnings)


def complete_run(
    context: RunContext, thread: RunThread, graph_input: RefinementState | None, warnings: list[str]
) -> RunSummary:
    """Run the loop to its end from ``graph_input``, or with None continue the thread from its last
    checkpoint (``ibl resume``); then score the best candidate, write summary.json, emit ``finish``."""
    with open_checkpointer(context.run_dir, thread.checkpoint_db) as saver:
        graph = build_refinement_graph(saver)
        # "sync": each step's checkpoint is stored before the next step starts, so a killed run loses
        # only the step in flight (LangGraph's default stores it while the next step already runs).
        graph.invoke(graph_input, config=thread.config, context=context, durability="sync")
        state = graph.get_state(thread.config).values
    summary = _summarize(state, context, warnings, state["started_at"])
    write_json(context.run_dir / "summary.json", summary.to_json())
    context.emit(FinishEvent(event="finish", stop_reason=summary.stop_reason, ok=summary.ok))
    return summary


def _summarize(state: RefinementState, ctx: RunContext, warnings: list[str], started: float) -> RunSummary:
    best_id = state.get("best_id")
    best_code = CandidateFiles(ctx.run_dir, best_id).read_code() if best_id else None
    candidates = list(state.get("candidates", []))
    validation = next((c["validation"] for c in candidates if c["id"] == best_id), {})
    test: dict[str, float] = {}
    best_scores: Predictions | None = None
    if best_code is not None and ctx.splits.test:  # data.test_fraction 0 leaves no test rows
        held_out = score_on_rows(best_code, ctx.dataset, ctx.splits.test, ctx.executor)
        test, best_scores = (held_out.metrics, held_out.predictions) if held_out.ok else ({}, None)
        if not held_out.ok:
            warnings.append(f"best model failed on the locked test split: {held_out.message}")
    memorisation = _memorisation(best_code, ctx, warnings)
    names = ctx.config.loop.baselines
    fitted = baseline_predictions(ctx.dataset, ctx.splits, names)
    fitted |= all_labeled_predictions(ctx.dataset, ctx.splits, names)  # only their test split is scored
    harness = harness_only_predictions(ctx.dataset, ctx.splits)
    write_json(  # per-row test scores (multiclass: one row of class probabilities): for paired comparisons
        ctx.run_dir / "predictions.json",
        {
            "task": ctx.dataset.task,
            "classes": list(ctx.dataset.classes),  # what multiclass labels (class indices) and columns mean
            "test_rows": ctx.splits.test,
            "labels": ctx.dataset.y.to_numpy()[ctx.splits.test].tolist(),
            "best": best_scores,
            "baselines": {name: scores["test"].tolist() for name, scores in fitted.items()},
            "harness_only": {name: scores["test"].tolist() for name, scores in harness.predictions.items()},
        },
    )
    scaffold = _scaffold_record(ctx, candidates, best_id)
    if scaffold["rows_shown"] is not None and scaffold["rows_shown"] < scaffold["train_rows"]:
        warnings.append(
            f"the prompt showed {scaffold['rows_shown']} of the {scaffold['train_rows']} train rows (its"
            " token budget was full); raise models.context_tokens (or loop.prompt_tokens) to show them all"
        )
    missing_prices = unpriced([ctx.models.generator_name, ctx.models.critic_name])
    cost_note = (
        f"no price known for {', '.join(missing_prices)}: cost in tokens only" if missing_prices else ""
    )
    summary = RunSummary(
        run_dir=str(ctx.run_dir),
        ok=best_code is not None,
        stop_reason=state.get("stop_reason") or "max_iters",
        stop_detail=state.get("stop_detail", ""),
        task=ctx.dataset.task,
        metric=ctx.config.loop.metric,
        iterations=state.get("iteration", 0),
        best_id=best_id,
        best_code=best_code,
        validation=validation,
        test=test,
        baselines=baseline_metrics(ctx.dataset, ctx.splits, fitted),
        harness_only=baseline_metrics(ctx.dataset, ctx.splits, harness.predictions),
        harness_region=harness.region_json(),
        tokens_used=state.get("tokens_used", 0),
        tokens_by_node=state.get("tokens_by_node", {}),
        tokens_estimated=state.get("estimated_tokens", False),
        replayed_replies=state.get("replayed_replies", 0),
        cost_usd=None if missing_prices else round(state.get("cost_used", 0.0), 8),
        cost_by_node={node: round(cost, 8) for node, cost in state.get("cost_by_node", {}).items()},
        cost_by_iteration=[round(cost, 8) for cost in state.get("cost_by_iteration", [])],
        cost_note=cost_note,
        wall_s=round(time.time() - started, 2),
        generator_model=ctx.models.generator_name,
        critic_model=ctx.models.critic_name,
        sandbox=ctx.executor.description,
        warnings=warnings,
        candidates=candidates,
        memorisation=memorisation,
        scaffold=scaffold,
    )
    if best_code is not None:
        returns = prediction_meaning(ctx.dataset.task, ctx.dataset.classes)
        source = best_model_source(best_code, _provenance(summary, ctx), returns)
        write_text(ctx.run_dir / "best_model.py", source)
    return summary


def _scaffold_record(
    ctx: RunContext, candidates: list[dict[str, Any]], best_id: str | None
) -> dict[str, Any]:
    """What the harness did: the level, the aids on, per aid the candidates it shaped, the best model's."""
    loop = ctx.config.loop
    fired: dict[str, int] = {}
    for candidate in candidates:
        for aid in candidate.get("aids", []):
            fired[aid] = fired.get(aid, 0) + 1
    best = next((c for c in candidates if c["id"] == best_id), {})
    shown = [c["rows_shown"] for c in candidates if "rows_shown" in c]
    return {
        "train_rows": len(ctx.splits.train),
        "rows_shown": min(shown) if shown else None,  # the fewest a full prompt showed
        "level": loop.scaffold_name,
        "aids": list(loop.enabled_aids),
        "show_rows": loop.show_rows,
        "fired": fired,
        "best_model_aids": list(best.get("aids", [])),
        "best_model_defined_constants": list(best.get("defined_constants", [])),
    }


def _memorisation(code: str | None, ctx: RunContext, warnings: list[str]) -> dict[str, Any]:
    """Does the best code hard-code train rows or labels instead of generalising? A warning if so."""
    if code is None:
        return {}
    report = check_memorisation(code, ctx.dataset, ctx.splits.train)
    if report.verdict:
        warnings.append("the best code model memorises train data: " + "; ".join(report.evidence[:3]))
    return report.to_json()


def _provenance(summary: RunSummary, ctx: RunContext) -> dict[str, Any]:
    dataset = ctx.dataset
    selected = ctx.config.loop.metric.removeprefix(NEGATED)
    others = [name for name in REPORTED_METRICS[dataset.task] if name != selected]
    return {
        "target": f"{dataset.target} ({target_meaning(dataset.task, dataset.classes)})",
        "features": ", ".join(dataset.features),
        f"validation {selected}": f"{summary.validation.get(selected, float('nan')):.4f}",
        **(
            {
                f"locked test {name}": f"{summary.test[name]:.4f}"
                for name in [selected, *others]
                if name in summary.test
            }
            or {"locked test": "none (no test rows: data.test_fraction = 0, the estimators' default)"}
        ),
        "candidate": f"{summary.best_id} of {summary.iterations} (stop: {summary.stop_reason})",
        "scaffold": f"{summary.scaffold['level']} (aids on: {', '.join(summary.scaffold['aids']) or 'none'})",
        "harness aids in this model": "; ".join(
            AID_ACTIONS[aid] for aid in summary.scaffold["best_model_aids"] if aid in AID_ACTIONS
        )
        or "none: the LLM wrote every line",
        "generator": summary.generator_model,
        "critic": summary.critic_model,
        "data": f"{dataset.source} (sha256 {dataset.sha256[:16]})",
        "run": summary.run_dir,
    }
