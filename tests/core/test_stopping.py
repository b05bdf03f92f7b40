"""The stop rule and the acceptance rule as pure functions."""

from __future__ import annotations

import pytest

from ibl_agents.config import LoopConfig
from ibl_agents.loop.stopping import Progress, Verdict, is_better, is_gain, judge, stop_reason
from ibl_agents.loop.strategy import critique_step, draws_a_sample


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


@pytest.mark.parametrize(
    ("score", "best", "waiting", "expected"),
    [
        (0.8, None, 0, Verdict(True, 0)),  # the first valid candidate
        (None, None, 0, Verdict(False, 0)),  # failures before any valid one count nothing
        (None, 0.8, 2, Verdict(False, 2)),  # a failure neither gains nor waits
        (0.8, 0.8, 1, Verdict(False, 2)),  # a tie of the same length waits
        (0.803, 0.8, 1, Verdict(True, 2)),  # better, but by less than min_delta: accepted, still waiting
        (0.81, 0.8, 2, Verdict(True, 0)),  # a gain resets the plateau
    ],
)
def test_judge_accepts_and_counts_the_plateau(
    score: float | None, best: float | None, waiting: int, expected: Verdict
) -> None:
    assert judge(score, 100, best, 100, waiting, min_delta=0.005) == expected


@pytest.mark.parametrize(
    ("strategy", "explore", "iteration", "sample"),
    [("refine", 1, 1, True), ("refine", 1, 2, False), ("refine", 3, 3, True), ("best-of-n", 1, 5, True)],
)
def test_which_iterations_are_independent_samples(
    strategy: str, explore: int, iteration: int, sample: bool
) -> None:
    assert draws_a_sample(strategy, explore, iteration) is sample


@pytest.mark.parametrize(
    ("facts", "loop", "step"),
    [
        ({"valid": True}, LoopConfig(), "critic"),
        ({"valid": True}, LoopConfig(feedback=["tracebacks"]), "evidence"),
        ({"valid": False}, LoopConfig(), "fix"),
        ({"valid": False, "fixable": False}, LoopConfig(), "critic"),  # a cut-off reply is not fixed
        ({"valid": False, "fixing": True}, LoopConfig(), "fresh_sample"),  # the fix failed, nothing valid
        ({"valid": False, "fixing": True, "has_best": True}, LoopConfig(), "critic"),
        ({"valid": False, "has_best": True, "iteration": 1}, LoopConfig(explore=2), "critic"),  # a sample
        ({"valid": False}, LoopConfig(fix_failures=False), "critic"),
    ],
)
def test_what_follows_a_candidate_under_refine(facts: dict, loop: LoopConfig, step: str) -> None:
    values = {"iteration": 2, "valid": True, "has_best": False, "fixing": False, "fixable": True, **facts}
    assert critique_step(loop, **values) == step
