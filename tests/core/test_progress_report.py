"""The end-of-run table: the LLM's metrics beside the baselines, the harness-only models and the linear
baseline fitted on every labeled row, each row named for what it is."""

from __future__ import annotations

import io
from dataclasses import replace

from rich.console import Console

from ibl_agents.run.progress import LiveProgress, print_report
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


def test_warnings_go_to_their_own_console_and_results_stay_on_stdout() -> None:
    """The CLI passes standard error: a saved stdout holds the run's lines, not its warnings."""
    out, err = io.StringIO(), io.StringIO()
    progress = LiveProgress(Console(file=out, width=80), "auc", Console(file=err, width=80))
    progress({"event": "warning", "message": "2 duplicate row(s)"})
    summary = _summary(warnings=["2 duplicate row(s)", "missing values: age (3)"])
    print_report(
        Console(file=out, width=80), summary, "auc", progress.shown_warnings, Console(file=err, width=80)
    )
    assert "warning" not in out.getvalue()
    assert err.getvalue().count("warning:") == 2 and "missing values: age (3)" in err.getvalue()


def test_piped_output_holds_the_code_exactly_however_long_its_lines() -> None:
    """Rich cut code lines at 80 columns when stdout was not a terminal, so a saved log held wrong code."""
    long_line = "    return 1 / (1 + np.exp(-(" + " + ".join(f"0.{i} * df['x{i}']" for i in range(12)) + ")))"
    code = f"import numpy as np\n\ndef predict(df):\n{long_line}\n"
    out = io.StringIO()
    print_report(Console(file=out, width=80), _summary(best_code=code), "auc", set())
    assert long_line in out.getvalue().splitlines() and len(long_line) > 200
