"""Replaying runs from the reply cache: real HTTP to the fault server, the real Docker sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ibl_agents.run.refine import RunSummary
from tests.fakes import fenced
from tests.fault_server import RATE_LIMIT, run_against

WEAK = fenced("import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['x2'].to_numpy()))\n")
PERFECT = fenced("def predict(df):\n    return (df['x1'] > 0).astype(float)\n")
TIMINGS = {"run_dir", "wall_s", "duration_s", "replayed_replies"}  # differ between runs by design


def artifacts(summary: RunSummary) -> dict[str, Any]:
    """Every candidate and feedback file, and the summary, without paths and durations."""
    run_dir = Path(summary.run_dir)
    files = {
        str(path.relative_to(run_dir)): _without_timings(path)
        for folder in ("candidates", "feedback")
        for path in sorted((run_dir / folder).iterdir())
    }
    return {"files": files, "summary": {k: v for k, v in summary.to_json().items() if k not in TIMINGS}}


def _without_timings(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return text
    record = json.loads(text)
    return {k: v for k, v in record.items() if k not in TIMINGS} if isinstance(record, dict) else record


def test_rerun_replays_every_reply_without_the_server(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.script = [RATE_LIMIT, WEAK, "- try x1", PERFECT, "- keep it"]
    fault_server.default = WEAK
    first = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=3)
    assert len(fault_server.requests) == 6  # 5 replies, one of them after a 429
    assert first.best_id == "0002" and first.tokens_used == 750 and first.replayed_replies == 0

    fault_server.default = PERFECT  # replicate 1 samples anew: its replies differ from replicate 0's
    second = run_against(fault_server, tmp_path, signal_frame, loop_executor, replicate=1, max_iters=3)
    assert len(fault_server.requests) == 11
    assert second.best_id == "0001"

    fault_server.stop()  # any model call now fails for good (connection refused)
    replay_first = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=3)
    replay_second = run_against(fault_server, tmp_path, signal_frame, loop_executor, replicate=1, max_iters=3)
    assert len(fault_server.requests) == 11
    assert replay_first.replayed_replies == 5 and replay_second.replayed_replies == 5
    assert replay_first.stop_reason == "max_iters" and replay_second.stop_reason == "max_iters"
    # The replays were warned that nothing answered (and that only stored replies could be replayed)
    silent = f"nothing answers at {fault_server.base_url}"
    for replay in (replay_first, replay_second):
        (warned,) = [w for w in replay.warnings if w.startswith(silent)]
        assert "only replies stored in the reply cache can be replayed" in warned
        replay.warnings.remove(warned)
    assert artifacts(replay_first) == artifacts(first)
    assert artifacts(replay_second) == artifacts(second)
    assert artifacts(second) != artifacts(first)


def test_no_cache_asks_the_server_again(tmp_path, signal_frame, loop_executor, fault_server) -> None:
    fault_server.default = PERFECT
    run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=1)
    run_against(fault_server, tmp_path, signal_frame, loop_executor, cache=False, max_iters=1)
    assert len(fault_server.requests) == 2
    assert Path(tmp_path, "responses.sqlite").is_file()
