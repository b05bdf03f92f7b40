"""A run startable from LangGraph Studio: a dataset path in, the run's summary out.

The refinement graph (``graphs/refinement.py``) needs a ``RunContext`` (the loaded data, the sandbox, the
chat models), which Studio cannot build, so a run started on it there used to fail with a raw
TypeError. This one-node graph, exported as ``ibl_run`` in ``langgraph.json``, takes what ``ibl run``
takes (a path, a target, a few settings) and calls ``refine``, which builds the context and runs the
refinement graph; the run directory it returns holds everything (``ibl explain``, ``ibl resume``).
(No ``from __future__ import annotations``: TypedDict must see ``NotRequired``.)
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any, NotRequired

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict  # Pydantic builds Studio's forms from these (Python 3.11)

from ibl_agents.config import RefineConfig, apply_overrides
from ibl_agents.run.refine import refine


class StudioInput(TypedDict):
    data: str  # CSV or Parquet file, as `ibl run DATA`
    target: str
    max_iters: NotRequired[int]
    strategy: NotRequired[str]  # refine, best-of-n or one-shot
    model: NotRequired[str]  # provider:model or local[:alias|path.gguf]
    base_url: NotRequired[str]
    runs_dir: NotRequired[str]


class StudioOutput(TypedDict):
    run_dir: str
    ok: bool
    stop_reason: str | None
    validation: dict[str, float]
    test: dict[str, float]
    best_code: str | None


class StudioState(StudioInput, StudioOutput, total=False):
    """Input and output of the one node."""


SETTINGS = {
    "data": "data.path",
    "target": "data.target",
    "max_iters": "loop.max_iters",
    "strategy": "loop.strategy",
    "model": "models.generator",
    "base_url": "models.base_url",
    "runs_dir": "runs_dir",
}


def run_node(state: StudioState) -> dict[str, Any]:
    config = apply_overrides(RefineConfig(), {SETTINGS[key]: state.get(key) for key in SETTINGS})
    # In a thread of its own, which starts with an empty context: refine's graph runs as a graph of its
    # own (its checkpoints in its run directory), not as a subgraph of this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        summary = pool.submit(refine, config, log=lambda _: None).result()
    return {
        "run_dir": summary.run_dir,
        "ok": summary.ok,
        "stop_reason": summary.stop_reason,
        "validation": summary.validation,
        "test": summary.test,
        "best_code": summary.best_code,
    }


def build_studio_graph() -> Any:
    builder = StateGraph(StudioState, input_schema=StudioInput, output_schema=StudioOutput)
    builder.add_node("ibl_run", run_node)
    builder.add_edge(START, "ibl_run")
    builder.add_edge("ibl_run", END)
    return builder.compile()


graph = build_studio_graph()  # for `langgraph dev` (langgraph.json: ibl_run)
