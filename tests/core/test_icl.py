"""The ICL baseline end to end with a scripted model: answers land on their rows, batches fit the context,
missing answers count as chance, test labels never reach a prompt, and reruns agree."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibl_agents.config import ModelConfig
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.data.splits import Splits
from ibl_agents.errors import ConfigError
from ibl_agents.evaluation.metrics import metrics
from ibl_agents.icl.baseline import IclSettings, icl_baseline, run_icl
from ibl_agents.icl.prompt import CHAT_TEMPLATE_TOKENS, ContextBudget, prompt_renderer, train_sample
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.models.token_count import count_tokens
from ibl_agents.prompts.rows import sample_rows
from tests.fault_server import FaultServer

ROOMY = ContextBudget(context_tokens=4096, max_reply_tokens=768)
TEST_LINE = re.compile(r"^(\d+),([0-9.]+),")  # row_id,p,noise in the prompt's new-rows table


@pytest.fixture
def data() -> tuple[Dataset, Splits]:
    """Feature `p` is readable in the prompt, so a fake can answer each row with a value only it has."""
    rng = np.random.default_rng(3)
    p = rng.uniform(0.001, 0.999, size=60).round(3)
    frame = pd.DataFrame({"p": p, "noise": rng.normal(size=60).round(2), "y": (p > 0.5).astype(int)})
    train = [i for i in range(60) if i % 3 == 0]
    test = [i for i in range(60) if i % 3 != 0]
    return load_dataset(frame, "y"), Splits(train=train, folds=[], test=test)


def asked_rows(prompt: str) -> list[tuple[int, str]]:
    """(row_id, p as printed) of every new row in an ICL prompt."""
    new_rows = prompt.split("new rows WITHOUT", 1)[1]
    return [(int(m[1]), m[2]) for m in map(TEST_LINE.match, new_rows.splitlines()) if m]


def answer_with_p(prompt: str) -> str:
    """Answers every row with its own `p`, lines in reverse order, wrapped in prose and a fence."""
    lines = [f"{row_id}: {p}" for row_id, p in reversed(asked_rows(prompt))]
    return "Sure! Here are my estimates:\n```\n" + "\n".join(lines) + "\n```\nLet me know."


def test_each_score_lands_on_its_own_test_row(data: tuple[Dataset, Splits]) -> None:
    dataset, splits = data
    model = ScriptedChatModel(script=[answer_with_p])
    result = run_icl(model, dataset, splits, ROOMY)
    assert len(result.calls) == 1 and result.calls[0].rows == len(splits.test)
    assert result.test_rows == tuple(splits.test)
    assert result.probabilities == tuple(dataset.frame["p"].iloc[splits.test])
    assert result.missing == 0 and result.missing_rate == 0.0
    assert result.metrics(dataset) == {"auc": 1.0, "accuracy": 1.0}  # y = (p > 0.5)
    assert result.train_rows_shown == len(splits.train)
    assert (result.prompt_tokens, result.completion_tokens, result.tokens_estimated) == (100, 50, False)


def test_the_train_rows_are_in_the_prompt_and_the_test_labels_are_not(
    data: tuple[Dataset, Splits],
) -> None:
    dataset, splits = data
    flipped = dataset.y.copy()
    flipped.iloc[splits.test] = 1 - flipped.iloc[splits.test]
    prompts = []
    for labels in (dataset.y, flipped):
        model = ScriptedChatModel(script=[answer_with_p])
        run_icl(model, replace(dataset, y=labels), splits, ROOMY)
        prompts.append(model.prompts[0])
    assert prompts[0] == prompts[1]  # nothing in the prompt depends on a test label
    train_table = prompts[0].split("labeled training rows (CSV):\n", 1)[1].split("\n\n", 1)[0]
    assert train_table.splitlines()[0] == "p,noise,y" and len(train_table.splitlines()) == 21
    new_rows = prompts[0].split("new rows WITHOUT", 1)[1]
    assert "row_id,p,noise\n" in new_rows and ",y" not in new_rows


def test_a_small_context_splits_the_rows_over_calls_that_each_fit(data: tuple[Dataset, Splits]) -> None:
    dataset, splits = data
    budget = ContextBudget(context_tokens=900, max_reply_tokens=768)
    model = ScriptedChatModel(script=[answer_with_p])
    result = run_icl(model, dataset, splits, budget)
    sizes = [call.rows for call in result.calls]
    assert len(sizes) >= 3 and sum(sizes) == len(splits.test) and max(sizes) - min(sizes) <= 1
    for prompt, size in zip(model.prompts, sizes, strict=True):
        assert [row_id for row_id, _ in asked_rows(prompt)] == list(range(1, size + 1))  # ids restart
        assert count_tokens(prompt) + CHAT_TEMPLATE_TOKENS + budget.reply_tokens(size) <= 900
    assert result.probabilities == tuple(dataset.frame["p"].iloc[splits.test])


def test_the_reply_cap_and_max_batch_rows_limit_a_call(data: tuple[Dataset, Splits]) -> None:
    dataset, splits = data
    capped = ContextBudget(context_tokens=4096, max_reply_tokens=ROOMY.reply_tokens(10))
    by_reply = run_icl(ScriptedChatModel(script=[answer_with_p]), dataset, splits, capped)
    assert [call.rows for call in by_reply.calls] == [10, 10, 10, 10]
    by_setting = run_icl(
        ScriptedChatModel(script=[answer_with_p]), dataset, splits, ROOMY, IclSettings(max_batch_rows=15)
    )
    assert [call.rows for call in by_setting.calls] == [14, 13, 13]
    assert by_reply.probabilities == by_setting.probabilities


def test_missing_answers_are_recorded_and_score_as_the_missing_score(data: tuple[Dataset, Splits]) -> None:
    dataset, splits = data

    def odd_rows_only(prompt: str) -> str:
        return "\n".join(
            f"{row_id}: {p}" if row_id % 2 else f"{row_id}: 87" for row_id, p in asked_rows(prompt)
        )

    result = run_icl(ScriptedChatModel(script=[odd_rows_only]), dataset, splits, ROOMY)
    answered = dataset.frame["p"].iloc[splits.test].to_numpy()
    assert result.missing == 20 and result.missing_rate == 0.5 and result.calls[0].answered == 20
    assert result.probabilities[1] is None and result.probabilities[0] == answered[0]
    assert result.scores.tolist() == [p if i % 2 == 0 else 0.5 for i, p in enumerate(answered)]
    labels = dataset.y.to_numpy()[splits.test]
    assert result.metrics(dataset) == metrics(labels, result.scores)
    pessimistic = run_icl(
        ScriptedChatModel(script=[odd_rows_only]), dataset, splits, ROOMY, IclSettings(missing_score=0.0)
    )
    assert pessimistic.scores[1] == 0.0 and pessimistic.metrics(dataset) != result.metrics(dataset)
    assert pessimistic.to_json()["probabilities"][:2] == [answered[0], None]


def test_a_context_too_small_for_one_row_says_what_to_change(data: tuple[Dataset, Splits]) -> None:
    dataset, splits = data
    with pytest.raises(ConfigError, match=r"not even one test row fits.*raise models.context_tokens"):
        run_icl(ScriptedChatModel(script=["1: 0.5"]), dataset, splits, ContextBudget(300, 768))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_batch_rows": 0}, "max_batch_rows must be >= 1"),
        ({"train_tokens": 0}, "train_tokens must be >= 1"),
        ({"missing_score": 1.5}, r"missing_score must lie in \[0, 1\]"),
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        IclSettings(**settings)  # type: ignore[arg-type]


def test_icl_baseline_over_http_replays_from_the_cache(
    data: tuple[Dataset, Splits], fault_server: FaultServer, tmp_path: Path
) -> None:
    dataset, splits = data
    values = dataset.frame["p"].iloc[splits.test].tolist()
    fault_server.default = "\n".join(f"{i}: {p}" for i, p in enumerate(values, start=1))
    config = ModelConfig(
        generator="openai:fake",
        base_url=fault_server.base_url,
        temperature=0.0,
        cache_path=str(tmp_path / "responses.sqlite"),
    )
    first = icl_baseline(config, dataset, splits, log=lambda _: None)
    again = icl_baseline(config, dataset, splits, log=lambda _: None)
    assert len(fault_server.requests) == 1  # the rerun was served from the cache
    request = fault_server.requests[0].body
    assert (request["model"], request["temperature"], request["max_tokens"]) == ("fake", 0.0, 768)
    assert first.probabilities == again.probabilities == tuple(values)
    assert first.to_json()["replayed"] == 0 and again.to_json()["replayed"] == 1
    assert {k: v for k, v in first.to_json().items() if k != "replayed"} == {
        k: v for k, v in again.to_json().items() if k != "replayed"
    }


def test_the_train_sample_is_a_prefix_of_the_generators_order_cut_to_the_token_limit() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 3)).round(3)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": (x[:, 0] > 0).astype(int)})
    dataset, train = load_dataset(frame, "y"), list(range(300))
    features, labels = dataset.frame.iloc[train], dataset.y.iloc[train]
    everything, _ = sample_rows(features, labels, "y", ("1", "0"), token_budget=10**6, seed=4)
    for limit in (300, 1500):
        sample = train_sample(dataset, train, token_limit=limit, seed=4)
        assert count_tokens(sample.text) <= limit and 2 < sample.n_rows < 300
        assert everything.startswith(sample.text + "\n")  # same rows, same order as the generator's


def test_a_feature_named_row_id_keeps_its_name_beside_the_ids() -> None:
    frame = pd.DataFrame({"row_id": range(500, 520), "x": np.arange(20) / 20, "y": [0, 1] * 10})
    dataset = load_dataset(frame, "y")
    prompt_for = prompt_renderer(dataset, list(range(10)), train_sample(dataset, list(range(10)), 500, 0))
    new_rows = prompt_for([12, 15]).split("new rows WITHOUT", 1)[1]
    assert "_row_id,row_id,x\n1,512,0.6\n2,515,0.75\n" in new_rows
    assert "`_row_id` only numbers them" in new_rows
