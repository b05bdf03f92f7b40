"""Token counts without provider usage: the bundled tokenizer, marked as estimated."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from langchain_core.language_models import FakeListChatModel

from ibl_agents.models.chat import ask
from ibl_agents.models.token_count import bundled_tokenizer, count_tokens, estimate_tokens

needs_tokenizer = pytest.mark.skipif(
    bundled_tokenizer() is None, reason="needs llama-cpp-python and a pulled bundled model"
)


@needs_tokenizer
def test_the_bundled_tokenizer_counts_digits_one_by_one() -> None:
    # Qwen2.5 splits numbers into single digits: five tokens where characters/3.5 says two.
    assert count_tokens("12345") == 5
    assert estimate_tokens("12345") == 2
    assert count_tokens("def predict(df):") < len("def predict(df):")


@needs_tokenizer
def test_a_reply_without_usage_is_counted_by_tokenizer_and_marked_estimated() -> None:
    prompt = "x1,x2,target\n0.125,-1.5,1\n0.75,2.25,0\n"
    reply = ask(FakeListChatModel(responses=["def predict(df):\n    return df['x1']\n"]), prompt)
    assert reply.estimated
    assert reply.prompt_tokens == count_tokens(prompt) > estimate_tokens(prompt)
    assert reply.completion_tokens == count_tokens("def predict(df):\n    return df['x1']\n")


# Loads the tokenizer again and again (keeping every copy: freeing one mid-load is not what runs do),
# the way a run loads it once while a stop may arrive at any moment.
LOADING_FOREVER = """
from ibl_agents.models import token_count
from ibl_agents.cli.interrupts import exit_cleanly_on_signals
exit_cleanly_on_signals()
print("loading", flush=True)
loaded = []
while True:
    token_count.bundled_tokenizer.cache_clear()
    loaded.append(token_count.bundled_tokenizer())
"""


@needs_tokenizer
def test_sigterm_while_the_tokenizer_loads_ends_the_process() -> None:
    # Loaded on the main thread, about one stop in eight left the process spinning inside llama.cpp's
    # loader for good; twelve stops at spread-out moments of the load catch that most of the time.
    for delay in (0.05 * k for k in range(12)):
        process = subprocess.Popen([sys.executable, "-c", LOADING_FOREVER], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline() == "loading\n"
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=20) == 128 + signal.SIGTERM, f"stopped {delay:.2f}s into loading"
        finally:
            process.kill()
