"""The stop rule: when the refinement loop ends, as a pure function of small state.

Reasons, checked in this order: ``target_reached``, ``max_iters``, ``token_budget``, ``cost_budget``,
``wall_clock``, ``plateau`` (no validation gain >= ``min_delta`` in ``patience`` valid candidates since the
last gain, counted from the first valid candidate; failed candidates are not counted; ``refine`` only, and
not while its first ``explore`` independent samples are drawn: independent samples have no plateau).
``one-shot`` ends after its one iteration (``max_iters``). ``provider_error`` and ``sandbox_error`` are set
by the nodes that hit them and end the loop at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from ibl_agents.config import LoopConfig
from ibl_agents.loop.strategy import draws_a_sample

StopReason = Literal[
    "target_reached",
    "max_iters",
    "token_budget",
    "cost_budget",
    "wall_clock",
    "plateau",
    "provider_error",
    "sandbox_error",
]


@dataclass(frozen=True)
class Progress:
    """The facts the stop rule looks at."""

    iteration: int  # iterations completed
    best_score: float | None
    iterations_since_gain: int
    tokens_used: int
    started_at: float  # time.time() at run start
    cost_used: float = 0.0  # US dollars of the models with a known price


def stop_reason(progress: Progress, loop: LoopConfig, now: float | None = None) -> StopReason | None:
    now = time.time() if now is None else now
    target, best = loop.target_metric, progress.best_score
    if target is not None and best is not None and best >= target:
        return "target_reached"
    if progress.iteration >= (1 if loop.strategy == "one-shot" else loop.max_iters):
        return "max_iters"
    if loop.max_tokens_total is not None and progress.tokens_used >= loop.max_tokens_total:
        return "token_budget"
    if loop.max_cost is not None and progress.cost_used >= loop.max_cost:
        return "cost_budget"
    if loop.max_wall_s is not None and now - progress.started_at >= loop.max_wall_s:
        return "wall_clock"
    sampling = draws_a_sample(loop.strategy, loop.explore, progress.iteration + 1)  # independent: no plateau
    if loop.strategy == "refine" and not sampling and progress.iterations_since_gain >= loop.patience:
        return "plateau"
    return None


@dataclass(frozen=True)
class Verdict:
    """A scored candidate, judged against the best so far."""

    accepted: bool  # it becomes the best
    iterations_since_gain: int  # the plateau counter after it


def judge(
    score: float | None,
    code_chars: int,
    best: float | None,
    best_chars: int | None,
    iterations_since_gain: int,
    min_delta: float,
) -> Verdict:
    """Acceptance and the plateau counter for one candidate (``score`` None: it failed).

    The plateau counts valid candidates that do not improve on the best: a failed one says nothing about
    whether the scores have settled (a cut-off reply, a read of the target), so it only spends budget.
    Before, on moons, two failed rewrites ended refine runs after 3 of their 6 calls.
    """
    if score is None:
        return Verdict(False, 0 if best is None else iterations_since_gain)
    accepted = is_better(score, code_chars, best, best_chars)
    waiting = 0 if best is None or is_gain(score, best, min_delta) else iterations_since_gain + 1
    return Verdict(accepted, waiting)


def is_gain(score: float, best: float | None, min_delta: float) -> bool:
    """A gain large enough to reset the plateau counter."""
    return best is None or score >= best + min_delta


def is_better(score: float, code_chars: int, best: float | None, best_chars: int | None) -> bool:
    """Acceptance: strictly better validation score; on a tie, the shorter code wins."""
    if best is None:
        return score > float("-inf")
    if score != best:
        return score > best
    return best_chars is not None and code_chars < best_chars
