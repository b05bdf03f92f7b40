"""The refinement graph: wiring only.

    generate -> execute -> decide -> critique -> generate ...      (strategy refine)
                              |\\-> generate ...                   (best-of-n, and refine's first
                              |                                      loop.explore independent samples)
                              \\-> END  (stop rule, provider_error, sandbox_error; one-shot after one)

``decide`` runs before ``critique`` so no critic call is spent after the last candidate; the cycle is
still generate, execute, critique, decide. ``generate`` also ends the run when the provider fails.
"""

from __future__ import annotations

from typing import Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graphs.context import RunContext
from graphs.nodes import critique_node, decide_node, execute_node, generate_node
from graphs.state import RefinementState
from ibl_agents.loop.strategy import draws_a_sample


def after_generate(state: RefinementState) -> Literal["execute", "__end__"]:
    return END if state.get("stop_reason") else "execute"


def after_decide(state: RefinementState) -> Literal["critique", "generate", "__end__"]:
    if state.get("stop_reason"):
        return END
    sampling = draws_a_sample(
        state.get("strategy", "refine"), state.get("explore", 1), state.get("iteration", 0) + 1
    )
    return "generate" if sampling else "critique"


def after_critique(state: RefinementState) -> Literal["generate", "__end__"]:
    return END if state.get("stop_reason") else "generate"


def build_refinement_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(RefinementState, context_schema=RunContext)
    builder.add_node("generate", generate_node)
    builder.add_node("execute", execute_node)
    builder.add_node("decide", decide_node)
    builder.add_node("critique", critique_node)
    builder.add_edge(START, "generate")
    builder.add_conditional_edges("generate", after_generate)
    builder.add_edge("execute", "decide")
    builder.add_conditional_edges("decide", after_decide)
    builder.add_conditional_edges("critique", after_critique)
    return builder.compile(checkpointer=checkpointer)


graph = build_refinement_graph()  # for `langgraph dev` (langgraph.json); runs add a SQLite checkpointer
