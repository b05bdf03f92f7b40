"""Scaffold levels through the loop, with scripted replies and the real Docker sandbox: what the harness
hands over and does at each level is exactly what the run records."""

from __future__ import annotations

import json
from pathlib import Path

from tests.graph.test_refinement import _run

# Uses a prompt constant without defining it and appends demo code: the two things the harness fixes.
LEANS_ON_AIDS = (
    "import numpy as np\n\ndef predict(df):\n"
    "    return 1 / (1 + np.exp(-SEPARATION['x1'] * (df['x1'] - MIDPOINT['x1'])))\n\n"
    "print(predict(df))\n"
)


def test_at_the_full_level_the_harness_completes_the_code_and_says_so(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, gen, _ = _run(tmp_path, signal_frame, loop_executor, [LEANS_ON_AIDS], max_iters=1)
    assert summary.ok and summary.candidates[0]["kind"] == "ok"
    assert "SEPARATION = {" in gen.prompts[0] and "A shape that satisfies" in gen.prompts[0]
    assert summary.scaffold["level"] == "full"
    assert set(summary.candidates[0]["aids"]) >= {"constants", "example_shape", "strip_usage"}
    assert "constants_defined" in summary.scaffold["best_model_aids"]
    assert sorted(summary.scaffold["best_model_defined_constants"]) == ["MIDPOINT", "SEPARATION"]
    best_model = (Path(summary.run_dir) / "best_model.py").read_text()
    assert "scaffold: full" in best_model and "inserted constant definitions" in best_model
    assert "Defined by ibl-agents from the train rows" in best_model and "print(predict" not in best_model


def test_at_the_bare_level_the_code_runs_as_the_llm_wrote_it(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, _ = _run(
        tmp_path,
        signal_frame,
        loop_executor,
        [LEANS_ON_AIDS],
        max_iters=1,
        strategy="one-shot",
        scaffold="bare",
    )
    prompt = gen.prompts[0]
    assert "SEPARATION" not in prompt and "MIDPOINT" not in prompt and "A shape" not in prompt
    assert "import only" not in prompt and "labeled rows (CSV)" in prompt
    assert not summary.ok and summary.candidates[0]["kind"] in {"runtime_error", "crash"}
    written = (Path(summary.run_dir) / "candidates" / "0001.py").read_text()
    assert written.strip() == LEANS_ON_AIDS.strip()  # nothing inserted, nothing deleted
    config = json.loads((Path(summary.run_dir) / "config.json").read_text())
    assert config["loop"]["scaffold"] == "bare"
    assert summary.scaffold == {
        "train_rows": summary.scaffold["train_rows"],
        "rows_shown": summary.scaffold["train_rows"],  # a small table: the bare prompt shows every row
        "level": "bare",
        "aids": [],
        "show_rows": True,
        "fired": {},
        "best_model_aids": [],
        "best_model_defined_constants": [],
    }


def test_the_zero_row_arm_shows_no_row_and_no_label(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, _ = _run(
        tmp_path,
        signal_frame,
        loop_executor,
        ["def predict(df):\n    return (df['x1'] > 0).astype(float)\n"],
        max_iters=1,
        strategy="one-shot",
        scaffold="bare",
        show_rows=False,
    )
    prompt = gen.prompts[0]
    assert "No labeled rows are given" in prompt and "x1: numeric, min" in prompt
    assert "rows (CSV)" not in prompt
    first_row = ",".join(str(value) for value in signal_frame.drop(columns="y").iloc[0])
    assert first_row not in prompt
    assert summary.ok and summary.scaffold["show_rows"] is False
