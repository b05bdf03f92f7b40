"""In-context learning (ICL) as a baseline: the same LLM labels the locked test rows directly.

Beside the fitted baselines (``ibl_agents.baselines.fit``) this answers "is writing a program better than just
asking?". The LLM reads the train rows the code-model generator reads (``icl_prompt``) and, for batches
of test rows given by features only, replies one probability per row id (``icl_reply``). Test labels
never enter a prompt; metrics are computed on the host (``scoring.metrics``).

A row the reply gives no valid probability for is *missing*: kept as None in ``probabilities`` and counted
in ``missing_rate``. For metrics it scores ``missing_score``, by default chance (0.5: no ranking
information, and a coin flip's expected accuracy), the same rule ``stability`` applies to failed
replicates, so a model that answers little is not rewarded for answering only the rows it is sure of.

Runs are deterministic given the model's replies: the sample is seeded, batching depends only on token
counts, and parsing is pure. Models opened by ``providers.open_chat_models`` replay stored replies from
the response cache, so a rerun makes no calls and gives the same result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel

from ibl_agents.config import ModelConfig
from ibl_agents.data.dataset import Dataset
from ibl_agents.data.splits import Splits
from ibl_agents.errors import ConfigError
from ibl_agents.evaluation.metrics import metrics
from ibl_agents.icl.prompt import ContextBudget, plan_batches, prompt_renderer, train_sample
from ibl_agents.icl.reply import parse_probabilities
from ibl_agents.models.chat import ModelReply, ask
from ibl_agents.models.providers import open_chat_models
from ibl_agents.replicates.summary import CHANCE_SCORE


@dataclass(frozen=True)
class IclSettings:
    """How the ICL baseline asks; the context window and reply cap come from the ModelConfig."""

    train_tokens: int | None = None  # most tokens of train rows per prompt; None: half the context window
    max_batch_rows: int | None = None  # at most this many test rows per call; None: as many as fit
    seed: int = 1  # order of the train sample; the generator's first prompt uses data.seed + 1
    missing_score: float = CHANCE_SCORE  # score of a row the reply gives no probability for

    def __post_init__(self) -> None:
        if self.train_tokens is not None and self.train_tokens < 1:
            raise ConfigError(f"ICL train_tokens must be >= 1 or None, got {self.train_tokens}")
        if self.max_batch_rows is not None and self.max_batch_rows < 1:
            raise ConfigError(f"ICL max_batch_rows must be >= 1 or None, got {self.max_batch_rows}")
        if not (math.isfinite(self.missing_score) and 0.0 <= self.missing_score <= 1.0):
            raise ConfigError(f"ICL missing_score must lie in [0, 1], got {self.missing_score}")


@dataclass(frozen=True)
class IclCall:
    rows: int  # test rows asked about in this call
    answered: int  # of them, rows the reply gave a valid probability for
    reply: ModelReply


@dataclass(frozen=True)
class IclResult:
    test_rows: tuple[int, ...]  # splits.test: the row order of every per-row value here
    probabilities: tuple[float | None, ...]  # the model's answer per test row; None = missing
    missing_score: float
    train_rows_shown: int
    calls: tuple[IclCall, ...]

    @property
    def scores(self) -> np.ndarray:
        """Per-row scores for metrics and paired comparisons: missing rows at ``missing_score``."""
        return np.array([self.missing_score if p is None else p for p in self.probabilities], dtype=float)

    @property
    def missing(self) -> int:
        return sum(p is None for p in self.probabilities)

    @property
    def missing_rate(self) -> float:
        return self.missing / len(self.probabilities) if self.probabilities else 0.0

    @property
    def prompt_tokens(self) -> int:
        return sum(call.reply.prompt_tokens for call in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(call.reply.completion_tokens for call in self.calls)

    @property
    def tokens_estimated(self) -> bool:
        return any(call.reply.estimated for call in self.calls)

    def metrics(self, dataset: Dataset) -> dict[str, float]:
        """AUC and accuracy on the locked test rows, with labels that stayed on the host."""
        return metrics(dataset.y.to_numpy()[list(self.test_rows)], self.scores)

    def to_json(self) -> dict[str, Any]:
        return {
            "test_rows": list(self.test_rows),
            "probabilities": list(self.probabilities),
            "missing": self.missing,
            "missing_rate": self.missing_rate,
            "missing_score": self.missing_score,
            "train_rows_shown": self.train_rows_shown,
            "calls": len(self.calls),
            "rows_per_call": [call.rows for call in self.calls],
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens_estimated": self.tokens_estimated,
            "replayed": sum(call.reply.replayed for call in self.calls),
        }


def run_icl(
    model: BaseChatModel,
    dataset: Dataset,
    splits: Splits,
    budget: ContextBudget,
    settings: IclSettings | None = None,
) -> IclResult:
    """Ask ``model`` for the probability of every locked test row, in batches that fit ``budget``."""
    settings = settings or IclSettings()
    train_limit = settings.train_tokens or budget.context_tokens // 2
    sample = train_sample(dataset, splits.train, train_limit, settings.seed)
    prompt_for = prompt_renderer(dataset, splits.train, sample)
    probabilities: list[float | None] = []
    calls: list[IclCall] = []
    for batch in plan_batches(splits.test, prompt_for, budget, settings.max_batch_rows):
        reply = ask(model, batch.prompt)
        answers = parse_probabilities(reply.text, len(batch.rows))
        probabilities.extend(answers.get(row_id) for row_id in range(1, len(batch.rows) + 1))
        calls.append(IclCall(len(batch.rows), len(answers), reply))
    return IclResult(
        tuple(splits.test), tuple(probabilities), settings.missing_score, sample.n_rows, tuple(calls)
    )


def icl_baseline(
    model_config: ModelConfig,
    dataset: Dataset,
    splits: Splits,
    settings: IclSettings | None = None,
    log: Callable[[str], None] = print,
) -> IclResult:
    """The ICL baseline with the config's generator model, opened here (a local server stops after).

    Its temperature, reply cap, context window and response cache are the config's. The critic model is
    not opened: ICL needs one model.
    """
    budget = ContextBudget(model_config.context_tokens, model_config.max_reply_tokens)
    with open_chat_models(replace(model_config, critic=None), log=log) as models:
        return run_icl(models.generator, dataset, splits, budget, settings)
