"""Calling a chat model once, with the retries the provider client does not already do.

The OpenAI client retries 429 (honouring Retry-After), 5xx, timeouts and broken or truncated responses
itself (``providers.CLIENT_RETRIES``), so the only extra layer here (tenacity) covers what it cannot:
replies without any code, which are re-asked once with a short reminder. Retrying provider errors here
too would multiply attempts; once the client gives up, the call has failed for good (ProviderError).
Every reply's tokens are counted, from the provider's usage data when it sends any, otherwise with a
tokenizer (``ibl_agents.models.token_count``) and marked as estimated;
failed attempts return no usage and count nothing.
A reply that stopped at the reply cap (``finish_reason`` "length") is marked ``cut_off``: the generator
decides what to do about it (``ibl_agents.agents.generator``), rather than scoring the fragment as a
syntax error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from tenacity import retry, retry_if_exception_type, stop_after_attempt

from ibl_agents.errors import ProviderError
from ibl_agents.models.response_cache import REPLAYED
from ibl_agents.models.token_count import count_tokens

CODE_REMINDER = "\n\nReply with one ```python code block containing the complete code."


@dataclass(frozen=True)
class ModelReply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    estimated: bool  # True when the provider sent no usage data and we counted (models.token_count)
    attempts: int = 1
    replayed: int = 0  # replies served from the response cache instead of the model
    cut_off: bool = False  # the (last) reply stopped at the reply cap, not where the model ended it

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @staticmethod
    def combined(replies: list[ModelReply]) -> ModelReply:
        """Several attempts at one answer as one: the last reply's text, everyone's tokens."""
        return ModelReply(
            text=replies[-1].text,
            prompt_tokens=sum(r.prompt_tokens for r in replies),
            completion_tokens=sum(r.completion_tokens for r in replies),
            estimated=any(r.estimated for r in replies),
            attempts=sum(r.attempts for r in replies),
            replayed=sum(r.replayed for r in replies),
            cut_off=replies[-1].cut_off,
        )


def ask(model: BaseChatModel, prompt: str) -> ModelReply:
    """One prompt, one reply; provider failures become ProviderError with the provider's reason."""
    try:
        message = model.invoke([HumanMessage(content=prompt)])
    except Exception as exc:  # provider SDKs raise many types; all mean "this call failed for good"
        raise ProviderError(f"model call failed: {type(exc).__name__}: {_first_line(exc)}") from exc
    text = message.content if isinstance(message.content, str) else _join_parts(message.content)
    usage = message.usage_metadata if isinstance(message, AIMessage) else None
    replayed = int(bool(message.response_metadata.get(REPLAYED)))
    cut_off = message.response_metadata.get("finish_reason") == "length"
    if usage and usage.get("input_tokens") is not None:
        tokens = int(usage["input_tokens"]), int(usage.get("output_tokens") or 0)
        return ModelReply(text, *tokens, estimated=False, replayed=replayed, cut_off=cut_off)
    counted = count_tokens(prompt), count_tokens(text)
    return ModelReply(text, *counted, estimated=True, replayed=replayed, cut_off=cut_off)


class _NoCode(Exception):
    def __init__(self, reply: ModelReply) -> None:
        super().__init__("reply contained no code")
        self.reply = reply


def ask_for_code(
    model: BaseChatModel, prompt: str, extract: Callable[[str], str | None], *, reask: bool = True
) -> tuple[ModelReply, str | None]:
    """Ask for code; a reply without any is re-asked once with a reminder (unless ``reask`` is off, as
    in the one-shot protocol). Tokens of both are summed."""
    spent: list[ModelReply] = []

    @retry(stop=stop_after_attempt(2 if reask else 1), retry=retry_if_exception_type(_NoCode), reraise=True)
    def attempt() -> tuple[ModelReply, str]:
        reply = ask(model, prompt if not spent else prompt + CODE_REMINDER)
        spent.append(reply)
        code = extract(reply.text)
        if code is None:
            raise _NoCode(reply)
        return reply, code

    try:
        _, code = attempt()
        found: str | None = code
    except _NoCode:
        found = None
    return ModelReply.combined(spent), found


def _join_parts(parts: list) -> str:
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "(no message)"
