"""The stop rule and the acceptance rule as pure functions."""

from __future__ import annotations

import pytest

from ibl_agents.config import LoopConfig
from ibl_agents.loop.stopping import Progress, is_better, is_gain, stop_reason


def progress(**overrides: object) -> Progress:
    values = {
        "iteration": 1,
        "best_score": 0.7,
        "iterations_since_gain": 0,
        "tokens_used": 0,
        "started_at": 0.0,
    }
    return Progress(**{**values, **overrides})


@pytest.mark.parametrize(
    ("loop", "state", "expected"),
    [
        (LoopConfig(), progress(), None),
        (LoopConfig(target_metric=0.9), progress(best_score=0.95), "target_reached"),
        (LoopConfig(max_iters=3), progress(iteration=3), "max_iters"),
        (LoopConfig(max_tokens_total=1000), progress(tokens_used=1000), "token_budget"),
        (LoopConfig(max_cost=0.5), progress(cost_used=0.49), None),
        (LoopConfig(max_cost=0.5), progress(cost_used=0.5), "cost_budget"),
        (LoopConfig(max_wall_s=60), progress(started_at=-61.0), "wall_clock"),
        (LoopConfig(patience=2), progress(iterations_since_gain=2), "plateau"),
        # refine's independent first samples are not a plateau; the rule applies from the last of them
        (LoopConfig(patience=2, explore=4), progress(iteration=3, iterations_since_gain=2), None),
        (LoopConfig(patience=2, explore=4), progress(iteration=4, iterations_since_gain=3), "plateau"),
        (LoopConfig(target_metric=0.9, max_iters=1), progress(best_score=0.9), "target_reached"),
    ],
)
def test_stop_reasons(loop: LoopConfig, state: Progress, expected: str | None) -> None:
    assert stop_reason(state, loop, now=0.0) == expected


def test_gain_needs_min_delta() -> None:
    assert is_gain(0.5, None, 0.01)
    assert not is_gain(0.705, 0.7, 0.01)
    assert is_gain(0.71, 0.7, 0.01)


def test_acceptance_prefers_better_then_shorter() -> None:
    assert is_better(0.8, 100, None, None)
    assert is_better(0.81, 500, 0.8, 100)
    assert not is_better(0.79, 10, 0.8, 100)
    assert is_better(0.8, 99, 0.8, 100)
    assert not is_better(0.8, 100, 0.8, 100)
