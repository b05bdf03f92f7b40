"""Dollar budgets and costs per node and iteration, from the server's usage and the pricing table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ibl_agents.models.pricing import price_of
from tests.fakes import fenced
from tests.fault_server import COMPLETION_TOKENS, PROMPT_TOKENS, run_against

WEAK = fenced("import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['x2'].to_numpy()))\n")


def test_stops_on_cost_budget_with_costs_per_node_and_iteration(
    tmp_path, signal_frame, loop_executor, fault_server
) -> None:
    fault_server.default = WEAK
    price = price_of("openai:gpt-4o-mini")
    assert price is not None
    reply = price.cost(PROMPT_TOKENS, COMPLETION_TOKENS)  # $0.000045 per reply
    summary = run_against(
        fault_server,
        tmp_path,
        signal_frame,
        loop_executor,
        model="openai:gpt-4o-mini",
        max_cost=2.5 * reply,
    )
    # generator, critic, generator: 3 replies cost 3 x $0.000045 >= $0.0001125 after the second candidate
    assert summary.stop_reason == "cost_budget" and summary.iterations == 2
    assert len(fault_server.requests) == 3
    assert summary.cost_usd == pytest.approx(3 * reply)
    assert summary.cost_by_node == pytest.approx({"generator": 2 * reply, "critic": reply})
    assert summary.cost_by_iteration == pytest.approx([2 * reply, reply])
    assert summary.cost_note == ""
    written = json.loads(Path(summary.run_dir, "summary.json").read_text(encoding="utf-8"))
    assert written["cost_by_iteration"] == summary.cost_by_iteration


def test_unknown_price_reports_tokens_only(tmp_path, signal_frame, loop_executor, fault_server) -> None:
    fault_server.default = WEAK
    summary = run_against(fault_server, tmp_path, signal_frame, loop_executor, max_iters=1)
    assert summary.tokens_used == 150
    assert summary.cost_usd is None and summary.cost_by_node == {} and summary.cost_by_iteration == []
    assert summary.cost_note == "no price known for openai:fake: cost in tokens only"
