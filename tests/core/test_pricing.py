"""Token prices: dollars from the one table, free local models, a clear refusal when a price is missing."""

from __future__ import annotations

import pytest

from ibl_agents.errors import ConfigError
from ibl_agents.models.pricing import Price, price_of, require_prices, unpriced


def test_cost_per_million_tokens() -> None:
    assert Price(0.15, 0.60).cost(1_000_000, 0) == pytest.approx(0.15)
    assert Price(0.15, 0.60).cost(100, 50) == pytest.approx(4.5e-5)


def test_known_local_and_unknown_models() -> None:
    assert price_of("openai:gpt-4o-mini") == Price(0.15, 0.60)
    assert price_of("local (qwen2.5-coder-1.5b)") == Price(0.0, 0.0)
    assert price_of("local:0.5b") == Price(0.0, 0.0)
    assert price_of("openai:fake") is None
    assert unpriced(["openai:fake", "openai:gpt-4o", "openai:fake"]) == ["openai:fake"]


def test_dollar_budget_needs_every_price() -> None:
    require_prices(["openai:fake"], None)  # no dollar budget: tokens only is fine
    require_prices(["openai:gpt-4o-mini", "local"], 1.0)
    with pytest.raises(ConfigError, match=r"none is known for openai:fake; use --max-tokens-total instead"):
        require_prices(["openai:gpt-4o-mini", "openai:fake"], 1.0)
