"""The inversion repair inside the loop, with scripted replies and the Docker sandbox's recorded results."""

from __future__ import annotations

import json
from pathlib import Path

from ibl_agents.loop.events import schema_errors
from tests.graph.test_refinement import PERFECT, _run

BACKWARDS = "import numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0, 0.1, 0.9)\n"


def test_a_backwards_model_is_flipped_and_recorded(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [BACKWARDS], max_iters=1)
    run_dir = Path(summary.run_dir)
    record = json.loads((run_dir / "candidates" / "0001.json").read_text())
    assert record["repair"]["kind"] == "invert_ranking"
    assert record["repair"]["train_auc_as_written"] == 0.0
    assert record["repair"]["validation_as_written"]["auc"] == 0.0 and record["validation"]["auc"] == 1.0
    assert (run_dir / "candidates" / "0001.as_written.py").read_text() == BACKWARDS
    assert summary.best_code.startswith(BACKWARDS.rstrip()) and "Added by ibl-agents" in summary.best_code
    assert summary.test["auc"] == 1.0
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert any(event["event"] == "repaired" for event in events)
    assert [error for event in events for error in schema_errors(event)] == []


def test_repairs_off_keeps_the_code_as_written(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(
        tmp_path, signal_frame, loop_executor, [BACKWARDS], max_iters=1, without_aids=["invert_ranking"]
    )
    assert summary.best_code == BACKWARDS and summary.validation["auc"] == 0.0
    assert not (Path(summary.run_dir) / "candidates" / "0001.as_written.py").exists()


def test_a_good_model_is_left_alone(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [PERFECT], max_iters=1)
    record = json.loads((Path(summary.run_dir) / "candidates" / "0001.json").read_text())
    assert record["repair"] is None and summary.best_code == PERFECT
