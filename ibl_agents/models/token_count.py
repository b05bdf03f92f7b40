"""Counting tokens when a provider sends no usage data: a real tokenizer when one is at hand.

The bundled Qwen2.5 tokenizer is read from a cached GGUF file (``vocab_only``: the weights are not
loaded, ~0.3 s once per process) through llama-cpp-python, the ``local`` extra. For other models it is
still an estimate (tokenizers differ by model family), but a far better one than characters: on CSV
rows Qwen spends a token per digit, 2.5x what the old 3.5-characters-per-token rule assumed. Without
the extra or a pulled model, characters it is; either way the figure is marked as estimated.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from ibl_agents.models.local.bundled import BUNDLED_MODELS, list_models

Counter = Callable[[str], int]
T = TypeVar("T")
CHARS_PER_TOKEN = 3.5  # the fallback: about right for English prose, 2.5x too few for digits


def estimate_tokens(text: str) -> int:
    """Tokens by characters alone, when no tokenizer is available."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@functools.cache
def bundled_tokenizer() -> Counter | None:
    """Token counter of the first cached bundled model, or None (no llama-cpp-python, nothing pulled)."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    cached = [status.path for status in list_models() if status.cached and status.alias in BUNDLED_MODELS]
    if not cached:
        return None
    vocab = _loaded_off_the_main_thread(
        lambda: Llama(model_path=str(cached[0]), vocab_only=True, verbose=False)
    )
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def count_tokens(text: str) -> int:
    """Tokens in ``text`` by the bundled tokenizer, or by characters when it is not available."""
    counter = bundled_tokenizer()
    return counter(text) if counter is not None else estimate_tokens(text)


def _loaded_off_the_main_thread(load: Callable[[], T]) -> T:
    """``load()`` in a thread of its own that blocks every signal, while the main thread waits for it.

    Loading calls llama.cpp's log callback, which is Python: run on the main thread, a SIGTERM's handler
    ran inside it, and about one load in eight then never returned (the main thread spun in
    ``llama_model_load_from_file``, so ``ibl run`` ignored the stop; tests/core/test_token_count.py).
    Here signal handlers cannot run inside the load and the kernel hands signals to other threads; a
    stop raised in the waiting main thread waits for the load to end, then goes on.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        try:
            with _silenced_stderr():  # llama.cpp prints context warnings from C even with verbose=False
                outcome.append(load())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True, name="tokenizer-load")
    worker.start()
    try:
        worker.join()
    except BaseException:
        worker.join()  # a fraction of a second; exiting while llama.cpp loads crashed the interpreter
        raise
    if failure:
        raise failure[0]
    return outcome[0]


@contextlib.contextmanager
def _silenced_stderr() -> Iterator[None]:
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
