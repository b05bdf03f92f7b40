"""What the loop remembers of each candidate: a small record in the graph's state and in its events.

The code, prompt, reply and evaluation of a candidate live in the run directory (``CandidateFiles``);
this record holds its id, outcome and score, and which aids shaped it. (No ``from __future__ import
annotations`` here: TypedDict must see ``NotRequired`` itself to leave those keys optional.)
"""

from typing import NotRequired

from typing_extensions import TypedDict  # Pydantic (LangGraph Studio's schemas) needs it on Python 3.11


class CandidateSummary(TypedDict):
    """One candidate as the loop remembers it (its code is candidates/<id>.py)."""

    id: str
    iteration: int
    kind: str  # sandbox.results.OutcomeKind value
    message: str
    score: float | None  # validation metric; None when the candidate failed
    validation: dict[str, float]
    code_chars: int
    tokens: int
    accepted: bool
    repair: NotRequired[str]  # set when the harness repaired the LLM's code (ibl_agents.loop.repairs)
    aids: NotRequired[list[str]]  # scaffold aids that shaped it (ibl_agents.scaffold.AID_ACTIONS)
    defined_constants: NotRequired[list[str]]  # prompt constants the harness defined for its code
    cut_off: NotRequired[bool]  # the reply cap cut its code short (scored reply_cut_off, never run)
    rows_shown: NotRequired[int]  # train rows its prompt showed (full prompts only; the budget may cut)
