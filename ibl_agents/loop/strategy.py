"""Which kind of step an iteration is: an independent sample, a refinement of the best, or a fix.

One answer for every place that asks (the generator's prompt, the routing after ``decide``, the critique
branch and the plateau rule), where four comparisons used to be written out: ``best-of-n`` and
``one-shot`` draw only independent samples, ``refine`` draws ``loop.explore`` of them and then refines
the best so far; a failed candidate may get one fix prompt first (``loop.fix_failures``).
"""

from __future__ import annotations

from typing import Literal

from ibl_agents.config import LoopConfig

PromptKind = Literal["first", "revise", "fix"]  # the generator's full prompt, the best code revised, a fix


def draws_a_sample(strategy: str, explore: int, iteration: int) -> bool:
    """Whether ``iteration`` (1-based) is an independent sample rather than a refinement of the best."""
    return strategy != "refine" or iteration <= explore


CritiqueStep = Literal["fresh_sample", "fix", "evidence", "critic"]


def critique_step(
    loop: LoopConfig, iteration: int, valid: bool, has_best: bool, fixing: bool, fixable: bool
) -> CritiqueStep:
    """What follows candidate ``iteration`` under refine.

    ``fresh_sample``: nothing valid exists and a fix failed too, so the next call is an independent sample,
    not a rewrite told about the failure (on Titanic a refine run whose first draft failed spent its 6
    calls on fixes and rewrites of failures and ended with no model, where best-of-6's fresh samples of
    the same calls were valid 4 times of 6). ``fix``: a failed refinement, or a failed sample while no
    valid model exists, gets one fix prompt with the exact error (``loop.fix_failures``; a cut-off reply
    or one without code is not fixable). ``evidence``: the evidence goes to the generator as is (the
    ablation without a critic). ``critic``: the critic reads code and evidence.
    """
    sample = draws_a_sample(loop.strategy, loop.explore, iteration)
    failed = not valid and not (sample and has_best)
    if failed and fixing and not has_best:
        return "fresh_sample"
    if loop.fix_failures and failed and fixable and not fixing:
        return "fix"
    return "critic" if "critic" in loop.feedback else "evidence"
