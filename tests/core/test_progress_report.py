"""The end-of-run table: the LLM's metrics beside the baselines, the harness-only models and the linear
baseline fitted on every labeled row, each row named for what it is."""

from __future__ import annotations

import io
from dataclasses import replace

from rich.console import Console

from ibl_agents.run.progress import print_report
from ibl_agents.run.refine import RunSummary

SCORES = {"validation": {"auc": 0.81, "accuracy": 0.7}, "test": {"auc": 0.82, "accuracy": 0.71}}
ALL_LABELED = {"validation": {}, "test": {"auc": 0.93, "accuracy": 0.88}}


def _summary(**changes: object) -> RunSummary:
    summary = RunSummary(
        run_dir="runs/t",
        ok=False,
        stop_reason="max_iters",
        stop_detail="",
        iterations=1,
        best_id=None,
        best_code=None,
        validation={},
        test={},
        baselines={
            "logistic_regression": SCORES,
            "decision_tree": SCORES,
            "logistic_regression@all_labeled": ALL_LABELED,
            "decision_tree@all_labeled": ALL_LABELED,
        },
        tokens_used=0,
        tokens_by_node={},
        tokens_estimated=False,
        replayed_replies=0,
        cost_usd=None,
        cost_by_node={},
        cost_by_iteration=[],
        cost_note="",
        wall_s=1.0,
        generator_model="scripted",
        critic_model="scripted",
        sandbox="none",
        harness_only={"template": SCORES, "template+region": SCORES},
    )
    return replace(summary, **changes)


def _printed(summary: RunSummary) -> list[str]:
    console = Console(record=True, width=200, file=io.StringIO())
    print_report(console, summary, "auc", set())
    return console.export_text().splitlines()


def test_harness_only_rows_and_the_all_labeled_linear_fit_are_labeled() -> None:
    lines = _printed(_summary())
    labels = [line.split("│")[1].strip() for line in lines if line.count("│") > 2]
    assert labels == [
        "LLM code model",
        "logistic regression",
        "decision tree",
        "harness only (no LLM): template",
        "harness only (no LLM): template+region",
        "logistic regression on all labeled rows",
    ]
    row = next(line for line in lines if "on all labeled rows" in line)
    assert "0.930" in row and row.count(" - ") == 2  # validation: in-sample, so not scored


def test_a_summary_from_before_the_harness_only_models_still_prints() -> None:
    old = _summary(harness_only={}, baselines={"logistic_regression": SCORES})
    assert not [line for line in _printed(old) if "harness only" in line or "all labeled" in line]
