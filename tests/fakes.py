"""Fakes at our own seams: a scripted chat model (LangChain's BaseChatModel) and an in-process executor.

The chat model replies from a script, records every prompt it was sent (the canary tests read them), and
reports usage like a real provider so budget arithmetic is exact. A callable entry computes its reply
from the prompt, for replies that must react to what the loop sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from sandbox import runner
from sandbox.protocol import encode_request
from sandbox.results import ExecutionResult, OutcomeKind

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


def fenced(code: str) -> str:
    return f"Here is the code:\n```python\n{code.strip()}\n```\n"


class InProcessExecutor:
    """The executor seam without any isolation: the trusted runner's own ``run``, in this process.

    For code the tests wrote, never for a model's. It answers exactly as the sandbox would (the runner's
    messages and trimmed tracebacks) in milliseconds, and records every call's frame names and result.
    """

    description = "in-process runner (tests only)"
    isolation_warning = "no isolation: runs test code in the test process"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.results: list[ExecutionResult] = []

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult:
        self.calls.append([str(name) for name in frames])
        answer = runner.run(encode_request(code, frames, output_columns))
        predictions = {name: values.tolist() for name, values in answer.get("predictions", {}).items()}
        kind = OutcomeKind(answer["kind"])
        result = ExecutionResult(kind, predictions, answer["message"], answer.get("detail", ""))
        self.results.append(result)
        return result

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> InProcessExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
