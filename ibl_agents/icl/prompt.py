"""The in-context-learning prompt, and how many test rows go into each call.

The train rows are shown as the code-model generator shows them: ``serialize.sample_rows`` with the same
seed gives the same class-interleaved order, so when every train row fits (the paper's 20-100 rows) the LLM
labelling test rows reads exactly the table the generator reads. The sample's budget here is in measured
tokens (``token_count.count_tokens``), because test rows and the reply share the context window with it;
``sample_rows`` budgets by characters, so a large train set is cut to a shorter prefix of that order.

Test rows carry features only, numbered 1..k within their call by an id column: the reply names rows by
id, so a reply that reorders or skips lines cannot shift a probability onto the wrong row. A call takes
as many rows as fit: the rendered prompt is measured, plus the tokens k answer lines need, plus the chat
template's markers, against the context window; the answer lines must also fit the reply cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ibl_agents.data.dataset import Dataset
from ibl_agents.errors import ConfigError
from ibl_agents.models.token_count import count_tokens
from ibl_agents.prompts.rows import describe_columns, sample_rows
from ibl_agents.prompts.templates import render

ID_COLUMN = "row_id"
CHAT_TEMPLATE_TOKENS = 48  # role markers and a default system prompt a chat template wraps around a prompt
REPLY_SLACK_TOKENS = 32  # a short preamble or code fence around the answer lines
ANSWER_EXAMPLE = "0.123"  # the answer width budgeted per row; longer numbers eat into the slack
SHRINK_MARGIN = 0.95  # rescaling the sample's character budget lands a little under the token limit

PromptFor = Callable[[list[int]], str]  # test-row positions -> the prompt that asks about them


@dataclass(frozen=True)
class ContextBudget:
    """What one call may use: the model's context window, and the reply cap sent with each call."""

    context_tokens: int
    max_reply_tokens: int

    def reply_tokens(self, n_rows: int) -> int:
        answers = "\n".join(f"{row}: {ANSWER_EXAMPLE}" for row in range(1, n_rows + 1))
        return count_tokens(answers) + REPLY_SLACK_TOKENS

    def fits(self, prompt: str, n_rows: int) -> bool:
        reply = self.reply_tokens(n_rows)
        total = count_tokens(prompt) + CHAT_TEMPLATE_TOKENS + reply
        return reply <= self.max_reply_tokens and total <= self.context_tokens


@dataclass(frozen=True)
class TrainSample:
    text: str  # CSV of train rows with their labels, serialised as in the generator's prompt
    n_rows: int


@dataclass(frozen=True)
class Batch:
    rows: list[int]  # dataset positions of the test rows, asked about as ids 1..k in this order
    prompt: str


def train_sample(dataset: Dataset, train_rows: list[int], token_limit: int, seed: int) -> TrainSample:
    """The generator's seeded sample of train rows, cut until its measured tokens fit ``token_limit``."""
    features = dataset.frame.iloc[train_rows].reset_index(drop=True)
    labels = dataset.y.iloc[train_rows].reset_index(drop=True)
    names = (dataset.positive_label, dataset.negative_label)
    budget = token_limit
    while True:
        text, n_rows = sample_rows(features, labels, dataset.target, names, token_budget=budget, seed=seed)
        used = count_tokens(text)
        if used <= token_limit or n_rows <= 2:  # sample_rows never shows fewer than 2 rows
            return TrainSample(text, n_rows)
        budget = max(1, int(budget * token_limit / used * SHRINK_MARGIN))


def prompt_renderer(dataset: Dataset, train_rows: list[int], sample: TrainSample) -> PromptFor:
    """Render the ICL prompt for any batch of test rows; the fixed parts are computed once."""
    id_column = ID_COLUMN
    while id_column in dataset.features:  # a feature already named row_id keeps its name
        id_column = "_" + id_column
    fixed = {
        "target": dataset.target,
        "positive_label": dataset.positive_label,
        "negative_label": dataset.negative_label,
        "n_features": len(dataset.features),
        "columns": describe_columns(dataset.frame.iloc[train_rows]),
        "n_train": sample.n_rows,
        "train_rows": sample.text,
        "id_column": id_column,
    }

    def prompt_for(test_rows: list[int]) -> str:
        table = dataset.frame.iloc[test_rows].reset_index(drop=True)  # features only: no label column
        table.insert(0, id_column, range(1, len(test_rows) + 1))
        rows_text = table.to_csv(index=False, float_format="%.4g").strip()
        return render(
            "icl",
            n_rows=len(test_rows),
            test_rows=rows_text,
            answer_example=_answer_example(len(test_rows)),
            **fixed,
        )

    return prompt_for


def _answer_example(n_rows: int) -> str:
    """The reply's shape from the first row to the last. Asked for ``row_id: probability`` in words, the
    0.5B model wrote a ``row_id:`` line and a ``probability:`` line per *train* row (observed here)."""
    lines = [f"{row}: {value}" for row, value in zip(range(1, n_rows + 1), ("0.85", "0.10"), strict=False)]
    if n_rows > 3:
        lines.append("...")
    if n_rows > 2:
        lines.append(f"{n_rows}: 0.40")
    return "\n".join(lines)


def plan_batches(
    test_rows: list[int], prompt_for: PromptFor, budget: ContextBudget, max_rows: int | None = None
) -> list[Batch]:
    """Consecutive batches of test rows in as few calls as fit the budget (and ``max_rows``).

    Sizes are evened out (300 rows that fit 74 a call go 60 + 60 + 60 + 60 + 60, not 74 x 4 + 4): the
    same number of calls, and no call repeats the whole train table for a handful of rows.
    """
    batches: list[Batch] = []
    remaining = list(test_rows)
    while remaining:
        largest = _largest_fitting(remaining[: max_rows or len(remaining)], prompt_for, budget)
        if largest == 0:
            raise _no_room(prompt_for(remaining[:1]), budget)
        size = math.ceil(len(remaining) / math.ceil(len(remaining) / largest))
        batches.append(Batch(remaining[:size], prompt_for(remaining[:size])))
        remaining = remaining[size:]
    return batches


def _largest_fitting(rows: list[int], prompt_for: PromptFor, budget: ContextBudget) -> int:
    """Largest k <= len(rows) whose first k rows fit, by bisection (more rows never take fewer tokens)."""
    low, high = 0, len(rows)
    while low < high:
        middle = (low + high + 1) // 2
        if budget.fits(prompt_for(rows[:middle]), middle):
            low = middle
        else:
            high = middle - 1
    return low


def _no_room(prompt: str, budget: ContextBudget) -> ConfigError:
    return ConfigError(
        f"not even one test row fits an ICL call: its prompt takes {count_tokens(prompt)} tokens (mostly"
        f" the train rows) and the answer {budget.reply_tokens(1)}, with models.context_tokens ="
        f" {budget.context_tokens} and models.max_reply_tokens = {budget.max_reply_tokens}; raise"
        " models.context_tokens, or lower the ICL train_tokens so fewer train rows are shown"
    )
