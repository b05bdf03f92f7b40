"""What a run has spent: tokens by node, dollars by node and by iteration, replies replayed from the cache.

The totals live in the graph's state (they are checkpointed with it); this module is the one place that
adds a reply to them, so the stop rule's budget and the summary's cost lines count the same things.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ibl_agents.models.chat import ModelReply
from ibl_agents.models.pricing import Price


def spending(
    totals: Mapping[str, Any], node: str, reply: ModelReply, iteration: int, price: Price | None
) -> dict[str, Any]:
    """The totals after ``reply`` (made by ``node`` in ``iteration``); dollars when ``price`` is known."""
    by_node = dict(totals.get("tokens_by_node", {}))
    by_node[node] = by_node.get(node, 0) + reply.total_tokens
    update: dict[str, Any] = {
        "tokens_used": totals.get("tokens_used", 0) + reply.total_tokens,
        "tokens_by_node": by_node,
        "estimated_tokens": totals.get("estimated_tokens", False) or reply.estimated,
        "replayed_replies": totals.get("replayed_replies", 0) + reply.replayed,
    }
    if price is None:
        return update
    cost = price.cost(reply.prompt_tokens, reply.completion_tokens)
    cost_by_node = dict(totals.get("cost_by_node", {}))
    cost_by_node[node] = cost_by_node.get(node, 0.0) + cost
    by_iteration = list(totals.get("cost_by_iteration", []))
    by_iteration += [0.0] * (iteration - len(by_iteration))
    by_iteration[iteration - 1] += cost
    return {
        **update,
        "cost_used": totals.get("cost_used", 0.0) + cost,
        "cost_by_node": cost_by_node,
        "cost_by_iteration": by_iteration,
    }
