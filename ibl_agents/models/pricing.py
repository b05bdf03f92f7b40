"""Dollar prices of model tokens, kept in this one table so a price change is a one-line edit.

Prices are list prices in US dollars per 1M input / output tokens (checked 2025; providers change them:
edit here). A model is looked up by the name the run reports (``provider:model``); the embedded local
model costs nothing. A model missing from the table has no price: its run is budgeted and reported in
tokens only, and ``--max-cost`` refuses to start rather than silently enforce nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ibl_agents.errors import ConfigError


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million) / 1e6


FREE = Price(0.0, 0.0)
PRICES: dict[str, Price] = {
    "openai:gpt-4o": Price(2.50, 10.00),
    "openai:gpt-4o-mini": Price(0.15, 0.60),
    "openai:gpt-4.1": Price(2.00, 8.00),
    "openai:gpt-4.1-mini": Price(0.40, 1.60),
    "anthropic:claude-3-5-haiku-latest": Price(0.80, 4.00),
    "anthropic:claude-3-5-sonnet-latest": Price(3.00, 15.00),
    "google_genai:gemini-2.0-flash": Price(0.10, 0.40),
    "google_genai:gemini-1.5-pro": Price(1.25, 5.00),
    "mistralai:mistral-large-latest": Price(2.00, 6.00),
    "groq:llama-3.1-8b-instant": Price(0.05, 0.08),
    "groq:llama-3.3-70b-versatile": Price(0.59, 0.79),
}


def price_of(model: str) -> Price | None:
    """The price of a model by its reported name; ``local ...`` (the embedded server) is free."""
    if model == "local" or model.startswith(("local:", "local ")):
        return FREE
    return PRICES.get(model)


def unpriced(models: list[str]) -> list[str]:
    """The models (once each, in order) that have no price."""
    return [m for m in dict.fromkeys(models) if price_of(m) is None]


def require_prices(models: list[str], max_cost: float | None) -> None:
    """A dollar budget needs a price for every model; say which are missing and what to use instead."""
    missing = unpriced(models) if max_cost is not None else []
    if missing:
        raise ConfigError(
            f"--max-cost needs token prices, and none is known for {', '.join(missing)}; use"
            " --max-tokens-total instead, or add the model to ibl_agents/models/pricing.py"
            f" (known: {', '.join(PRICES)})"
        )
