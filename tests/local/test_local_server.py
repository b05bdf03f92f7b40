"""The real llama.cpp server with the bundled 0.5B model: HTTP chat, crash recovery, clean shutdown."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

from ibl_agents.errors import ModelServerError
from ibl_agents.models.local.bundled import ensure_model
from ibl_agents.models.local.server import LocalModelServer, shared_server

pytestmark = pytest.mark.llm


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def small_model() -> Path:
    return ensure_model("qwen2.5-coder-0.5b")


@pytest.fixture(scope="module")
def server(small_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelServer]:
    with LocalModelServer(small_model, n_ctx=2048, log_dir=tmp_path_factory.mktemp("logs")) as srv:
        yield srv


def test_chat_completion_over_http(server: LocalModelServer) -> None:
    # ChatOpenAI's max_tokens goes out as max_completion_tokens, which llama-cpp-python ignores:
    # the cap that the server honours travels in the request body.
    chat = ChatOpenAI(
        base_url=server.base_url, api_key="sk-local", model=server.model_name, extra_body={"max_tokens": 8}
    )
    reply = chat.invoke("Write a long story about a lighthouse keeper.")
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["input_tokens"] > 0
    assert 0 < reply.usage_metadata["output_tokens"] <= 8


def test_killed_server_is_restarted_on_the_same_url(server: LocalModelServer) -> None:
    old_pid, url = server.pid, server.base_url
    assert old_pid is not None
    os.killpg(old_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server.is_alive()
    server.ensure_alive()
    assert server.is_alive() and server.pid != old_pid and server.base_url == url
    chat = ChatOpenAI(base_url=url, api_key="sk-local", model=server.model_name, extra_body={"max_tokens": 4})
    assert chat.invoke("Say hi.").content


def test_shared_server_is_reference_counted_and_stops_its_process_group(
    small_model: Path, tmp_path: Path
) -> None:
    with shared_server(small_model, n_ctx=1024, log_dir=tmp_path) as first:
        with shared_server(small_model, n_ctx=1024, log_dir=tmp_path) as second:
            assert second is first
        assert first.is_alive()
        pgid = first.pid
        assert pgid is not None
    assert not first.is_alive()
    assert _group_is_gone(pgid)


def test_file_that_is_not_a_model_fails_fast_with_the_cause_and_log_path(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_text("this is not a GGUF file\n")
    started = time.monotonic()
    with pytest.raises(
        ModelServerError,
        match=r"exited with code 1 \(.+\); check that the model file .*; full log: .*llama-server-\d+\.log",
    ):
        LocalModelServer(bogus, startup_timeout_s=60, log_dir=tmp_path).start()
    assert time.monotonic() - started < 60
