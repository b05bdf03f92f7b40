"""Graph state: small, JSON-serializable, checkpointed after every node.

Code text, prompts, replies and predictions live in the run directory; the state keeps ids, scores,
feedback, budget used and the stop reason. DataFrames never enter it.
"""

from __future__ import annotations

import operator
from typing import Annotated

from typing_extensions import TypedDict  # Pydantic (LangGraph Studio's schemas) needs it on 3.11

from ibl_agents.loop.candidate import CandidateSummary


class RefinementState(TypedDict, total=False):
    strategy: str  # loop.strategy, set once at the start; the routing after decide reads it
    explore: int  # loop.explore, likewise: refine draws this many independent samples before critiquing
    iteration: int
    candidates: Annotated[list[CandidateSummary], operator.add]
    current: CandidateSummary | None
    best_id: str | None
    best_score: float | None
    best_chars: int | None
    iterations_since_gain: int
    feedback: str
    feedback_aids: list[str]  # scaffold aids whose finding is in ``feedback`` (unused_columns, error_region)
    fix_id: str | None  # a failed candidate the next generation fixes (loop.fix_failures)
    fixing: bool  # the current candidate was written from a fix prompt: if it fails too, rewrite instead
    tokens_used: int
    tokens_by_node: dict[str, int]
    estimated_tokens: bool
    replayed_replies: int  # served from the response cache: no model call
    cost_used: float  # US dollars; models without a price add nothing (the summary says which)
    cost_by_node: dict[str, float]
    cost_by_iteration: list[float]  # index i: generation and critique of iteration i + 1
    started_at: float
    stop_reason: str | None
    stop_detail: str
