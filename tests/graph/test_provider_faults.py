"""refine() against a real OpenAI-compatible HTTP server that injects faults, with the real Docker sandbox.

Retry arithmetic pinned here: the OpenAI client is the only retry layer for provider faults, so one call
makes at most 1 + CLIENT_RETRIES = 3 requests; a reply without code is re-asked once (2 requests).
Every good reply reports 100 prompt + 50 completion tokens; failed attempts count nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from ibl_agents.agents.generator import SHORTER_CODE
from ibl_agents.models.chat import CODE_REMINDER
from ibl_agents.models.providers import CALL_SEED_STRIDE, CLIENT_RETRIES
from tests.fakes import fenced
from tests.fault_server import (
    CLIENT_TIMEOUT_S,
    HANG,
    LENGTH,
    RATE_LIMIT,
    RETRY_AFTER_S,
    SERVER_ERROR,
    STALL,
    TRICKLE,
    TRICKLE_GAP_S,
    TRICKLE_PIECES,
    TRUNCATED,
    run_against,
)

PERFECT = fenced("import numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0, 1.0, 0.0)\n")
NO_CODE = "The column x1 looks decisive."


def test_run_survives_every_fault_with_exact_retry_counts(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = PERFECT
    fault_server.script = [
        RATE_LIMIT, SERVER_ERROR, PERFECT,  # generator, iteration 1: two faults, then a reply
        HANG, TRUNCATED, "- keep x1",  # critic, iteration 1
        NO_CODE, PERFECT,  # generator, iteration 2: no code, re-asked once
    ]  # fmt: skip
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=2)

    assert summary.stop_reason == "max_iters" and summary.ok
    assert [c["kind"] for c in summary.candidates] == ["ok", "ok"]
    requests = fault_server.requests
    assert len(requests) == 8
    assert CLIENT_RETRIES == 2  # a third fault in one call would end the run (see the next test)
    assert requests[1].at - requests[0].at >= RETRY_AFTER_S  # Retry-After honoured, not the 0.5 s backoff
    assert requests[4].at - requests[3].at >= CLIENT_TIMEOUT_S  # the hang was cut by the client timeout
    assert not requests[6].prompt.endswith(CODE_REMINDER) and requests[7].prompt.endswith(CODE_REMINDER)
    # tokens come from the server's usage of the four good replies only
    assert summary.tokens_used == 600 and not summary.tokens_estimated
    assert summary.tokens_by_node == {"generator": 450, "critic": 150}
    assert [c["tokens"] for c in summary.candidates] == [150, 300]
    feedback = Path(summary.run_dir, "feedback", "0001.txt").read_text(encoding="utf-8")
    assert "- keep x1" in feedback


def test_token_budget_counts_server_usage(tmp_path, signal_frame, loop_executor, fault_server) -> None:
    fault_server.default = PERFECT
    summary = run_against(
        fault_server, tmp_path, signal_frame, loop_executor, max_iters=10, max_tokens_total=400
    )
    # generator 150, critic 150, generator 150 -> 450 >= 400 after the second candidate
    assert summary.stop_reason == "token_budget"
    assert summary.tokens_used == 450 and len(fault_server.requests) == 3


def test_provider_failing_for_good_ends_run_cleanly(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = SERVER_ERROR
    fault_server.script = [PERFECT, "- keep x1"]
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=5)

    assert summary.stop_reason == "provider_error"
    assert summary.stop_detail.startswith("model call failed:")
    assert "Error code: 500 - injected fault" in summary.stop_detail
    assert len(fault_server.requests) == 2 + 1 + CLIENT_RETRIES  # gen, critic, then 3 failed requests
    assert summary.ok and summary.best_id == "0001" and summary.iterations == 2
    run_dir = Path(summary.run_dir)
    assert "def predict" in (run_dir / "best_model.py").read_text(encoding="utf-8")
    assert (
        json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["stop_reason"] == "provider_error"
    )
    with SqliteSaver.from_conn_string(str(run_dir / "checkpoints.sqlite")) as saver:
        latest = next(iter(saver.list(None)))  # newest first
    assert latest.checkpoint["channel_values"]["stop_reason"] == "provider_error"


def test_independent_samples_draw_with_seeds_of_their_own(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = PERFECT
    best_of_3 = {"strategy": "best-of-n", "max_iters": 3}
    run_against(fault_server, tmp_path, signal_frame, loop_executor, **best_of_3)
    assert [r.body["seed"] for r in fault_server.requests] == [0, CALL_SEED_STRIDE, 2 * CALL_SEED_STRIDE]
    # each sample's reply is stored under a key of its own, so the rerun asks the server nothing
    again = run_against(fault_server, tmp_path, signal_frame, loop_executor, **best_of_3)
    assert len(fault_server.requests) == 3 and again.replayed_replies == 3


def test_every_generator_call_draws_with_a_seed_of_its_own(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = PERFECT
    run_against(fault_server, tmp_path, signal_frame, loop_executor, replicate=2, max_iters=2)
    seeds = [r.body["seed"] for r in fault_server.requests]
    assert seeds == [2, 2, 2 + CALL_SEED_STRIDE]  # generate, critique (the run's seed), generate


def test_a_slow_reply_is_waited_for_and_a_silent_one_is_retried(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = PERFECT
    fault_server.script = [TRICKLE + PERFECT, STALL, "- keep x1"]
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=2)

    assert summary.ok and [c["kind"] for c in summary.candidates] == ["ok", "ok"]
    requests = fault_server.requests
    # The trickled reply took longer than the client's timeout in all, with no gap that long: one request.
    assert TRICKLE_PIECES * TRICKLE_GAP_S > 2 * CLIENT_TIMEOUT_S > 2 * TRICKLE_GAP_S
    assert requests[1].at - requests[0].at >= TRICKLE_PIECES * TRICKLE_GAP_S
    # The critic's reply stalled after its first piece and was asked again once, at the timeout.
    assert len(requests) == 4 and requests[2].at - requests[1].at >= CLIENT_TIMEOUT_S
    assert requests[2].prompt == requests[1].prompt
    assert summary.tokens_used == 450 and not summary.tokens_estimated


def test_a_stream_that_keeps_breaking_off_fails_after_the_client_retries(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = TRUNCATED
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=1)
    assert summary.stop_reason == "provider_error" and not summary.ok
    assert len(fault_server.requests) == 1 + CLIENT_RETRIES


CUT_CODE = "```python\nimport numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0,"


def test_a_cut_off_reply_is_asked_for_shorter_code_and_scored_as_cut_off(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = "- keep x1"
    fault_server.script = [LENGTH + CUT_CODE, LENGTH + CUT_CODE, "- keep x1", LENGTH + CUT_CODE, PERFECT]
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=2)

    first = summary.candidates[0]
    assert first["kind"] == "reply_cut_off" and first["cut_off"] and first["score"] is None
    requests = fault_server.requests
    assert requests[1].prompt == requests[0].prompt + SHORTER_CODE
    # The cut-off candidate went to the critic, not to a fix prompt that draws the same fragment again.
    assert "The code:" in requests[2].prompt and "fix" not in summary.candidates[1].get("aids", [])
    # The second candidate's first reply was cut off too, and the shorter one was complete.
    assert requests[4].prompt.endswith(SHORTER_CODE) and summary.candidates[1]["kind"] == "ok"
    assert [c["tokens"] for c in summary.candidates] == [300, 300]


def test_a_cut_off_reply_is_scored_as_written_under_cut_off_score(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = "- keep x1"
    fault_server.script = [LENGTH + CUT_CODE]
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=1, cut_off="score")
    assert summary.candidates[0]["kind"] == "syntax_error" and len(fault_server.requests) == 1
