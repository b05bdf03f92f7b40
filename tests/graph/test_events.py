"""Every event a run writes follows loop/events.py's schema: the one the progress display, events.jsonl
readers and ``on_event`` callbacks rely on."""

from __future__ import annotations

import json
from pathlib import Path

from ibl_agents.loop.events import EVENT_TYPES, schema_errors
from tests.graph.test_refinement import BROKEN, PERFECT, WEAK, _run


def test_a_refine_run_writes_only_events_of_the_schema(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [WEAK, BROKEN, PERFECT], max_iters=3)
    lines = (Path(summary.run_dir) / "events.jsonl").read_text().splitlines()
    seen = [json.loads(line) for line in lines]
    assert [error for event in seen for error in schema_errors(event)] == []
    kinds = {event["event"] for event in seen}
    assert {"start", "generating", "generated", "executing", "candidate", "critiquing", "finish"} <= kinds
    assert all("time" in event for event in seen)


def test_the_schema_check_names_a_missing_and_an_unknown_key() -> None:
    assert schema_errors({"event": "finish", "ok": True, "colour": "red"}) == [
        "finish: missing stop_reason",
        "finish: unknown colour",
    ]
    assert schema_errors({"event": "explode"}) == ["unknown event kind 'explode'"]
    assert set(EVENT_TYPES) >= {"start", "resume", "warning", "repaired"}
