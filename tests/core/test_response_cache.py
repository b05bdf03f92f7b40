"""The reply cache at LangChain's cache seam, with the scripted chat model (no network)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from ibl_agents.models.chat import ask
from ibl_agents.models.response_cache import ModelIdentity, ReplyCache
from ibl_agents.models.scripted import ScriptedChatModel

IDENTITY = ModelIdentity("openai:x", "http://127.0.0.1:1/v1", 0.7, 768, replicate=0)


def scripted(path: Path, identity: ModelIdentity = IDENTITY) -> ScriptedChatModel:
    return ScriptedChatModel(script=["first", "second", "third"], cache=ReplyCache(path, identity))


def test_repeated_prompt_stays_a_fresh_sample_and_replays_in_order(tmp_path: Path) -> None:
    path = tmp_path / "responses.sqlite"
    original = scripted(path)
    assert [ask(original, "same").text for _ in range(2)] == ["first", "second"]

    replay = scripted(path)  # a new run: the n-th ask of a prompt gets the n-th stored reply
    replies = [ask(replay, "same") for _ in range(2)]
    assert [r.text for r in replies] == ["first", "second"] and replay.prompts == []
    assert [r.replayed for r in replies] == [1, 1]
    assert (replies[0].prompt_tokens, replies[0].completion_tokens, replies[0].estimated) == (100, 50, False)
    assert ask(replay, "same").text == "first" and replay.prompts == ["same"]  # a third ask is new


def test_a_cut_off_reply_replays_cut_off_and_an_old_entry_replays_whole(tmp_path: Path) -> None:
    path = tmp_path / "responses.sqlite"
    original = ScriptedChatModel(script=["def predict(df):\n    return ("], finish_reason="length")
    original.cache = ReplyCache(path, IDENTITY)
    assert ask(original, "p").cut_off
    replay = scripted(path)
    again = ask(replay, "p")
    assert again.cut_off and again.replayed and (again.prompt_tokens, again.completion_tokens) == (100, 50)
    # entries stored before finish reasons were kept hold usage only: they replay as complete replies
    with sqlite3.connect(path) as db:
        db.execute(
            "update replies set usage = ?",
            (json.dumps({"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}),),
        )
    old = ask(scripted(path), "p")
    assert not old.cut_off and old.replayed and (old.prompt_tokens, old.completion_tokens) == (1, 2)


def test_replicate_and_parameters_are_part_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "responses.sqlite"
    ask(scripted(path), "p")
    for other in (
        ModelIdentity("openai:x", "http://127.0.0.1:1/v1", 0.7, 768, replicate=1),
        ModelIdentity("openai:x", "http://127.0.0.1:1/v1", 0.0, 768, replicate=0),
        ModelIdentity("openai:y", "http://127.0.0.1:1/v1", 0.7, 768, replicate=0),
        ModelIdentity("openai:x", "http://127.0.0.1:1/v1", 0.7, 768, replicate=0, sample=1),
    ):
        model = scripted(path, other)
        assert ask(model, "p").replayed == 0 and model.prompts == ["p"]


def test_the_first_sample_keeps_the_key_it_had_before_samples_were_told_apart() -> None:
    # Replies stored before ModelIdentity had `sample` must still replay: its key material is unchanged.
    cache = ReplyCache(Path("unused.sqlite"), IDENTITY)
    old_material = json.dumps(
        [
            {
                "model": "openai:x",
                "base_url": "http://127.0.0.1:1/v1",
                "temperature": 0.7,
                "max_reply_tokens": 768,
                "replicate": 0,
            },
            "digest",
            0,
        ],
        sort_keys=True,
    )
    assert cache._key("digest", 0) == hashlib.sha256(old_material.encode()).hexdigest()


def test_lookup_never_creates_the_file(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path / "sub" / "responses.sqlite", IDENTITY)
    assert cache.lookup("p", "") is None
    assert not (tmp_path / "sub").exists()
