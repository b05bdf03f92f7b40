"""The live parts of a run, opened the same way for a new run (``refine``) and a killed one (``resume``).

Parts: the sandbox executor, the chat models (starting the embedded model server when asked), the
warnings the run reports about its data and its isolation, and the sink that writes events.jsonl.
Executor and models may be injected (tests, shared servers); those are not closed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibl_agents.config import RefineConfig
from ibl_agents.data.prepare import PreparedData
from ibl_agents.loop.artifacts import append_event
from ibl_agents.models.pricing import require_prices
from ibl_agents.models.providers import ChatModels, open_chat_models
from sandbox.backends import open_executor
from sandbox.executor import Executor

EventSink = Callable[[dict[str, Any]], None]


@dataclass
class RunParts:
    executor: Executor
    models: ChatModels
    warnings: list[str]  # audit findings, dropped columns, a degraded sandbox; the summary lists them


@contextmanager
def open_run_parts(
    config: RefineConfig,
    prepared: PreparedData,
    *,
    executor: Executor | None = None,
    models: ChatModels | None = None,
    log: Callable[[str], None] = print,
) -> Iterator[RunParts]:
    """Open the sandbox and the models; an environment problem raises before the run writes anything."""
    warnings = prepared.audit.warnings()
    if prepared.dropped_leaks:
        warnings.append(f"dropped leaking columns: {', '.join(prepared.dropped_leaks)}")
    with ExitStack() as stack:
        if executor is None:
            box = config.sandbox
            executor = stack.enter_context(open_executor(box.backend, box.limits(), box.image))
        if executor.isolation_warning:
            warnings.append(executor.isolation_warning)
        if models is None:
            models = stack.enter_context(open_chat_models(config.models, log=log))
        require_prices([models.generator_name, models.critic_name], config.loop.max_cost)
        yield RunParts(executor, models, warnings)


def event_sink(run_dir: Path, on_event: EventSink | None) -> EventSink:
    """Append each event to the run's events.jsonl, then hand it to ``on_event`` (live progress)."""

    def emit(event: dict[str, Any]) -> None:
        append_event(run_dir, event)
        if on_event is not None:
            on_event(event)

    return emit
