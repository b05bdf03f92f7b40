"""A scripted chat model: the loop's logic tested at the LangChain seam, without any model server.

For ibl-agents' own tests and for users' tests of code built on it (``refine(config,
models=ChatModels(ScriptedChatModel(script=[...]), ...))``). It replies from a script, records every
prompt it was sent, and reports usage like a real provider so budget arithmetic is exact. A callable
entry computes its reply from the prompt, for replies that must react to what the loop sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

Reply = str | Callable[[str], str]


class ScriptedChatModel(BaseChatModel):
    """Replies in order; the last entry repeats when the script runs out."""

    script: list[Reply]
    prompts: list[str] = Field(default_factory=list)
    prompt_tokens: int = 100
    completion_tokens: int = 50
    finish_reason: str = "stop"  # "length": every reply stopped at the reply cap

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        entry = self.script[min(len(self.prompts) - 1, len(self.script) - 1)]
        text = entry(prompt) if callable(entry) else entry
        usage = {
            "input_tokens": self.prompt_tokens,
            "output_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        message = AIMessage(
            content=text, usage_metadata=usage, response_metadata={"finish_reason": self.finish_reason}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
