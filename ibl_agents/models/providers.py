"""Turning ``provider:model`` names into LangChain chat models.

LangChain's ``BaseChatModel`` is the seam: any provider ``init_chat_model`` knows works, ``--base-url``
reaches any OpenAI-compatible server, and ``local[:alias|path]`` starts the embedded llama.cpp server
for the duration of the run. Errors name the environment variable or the pip extra to install.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from ibl_agents.config import ModelConfig
from ibl_agents.errors import ConfigError, ProviderError
from ibl_agents.models.local.server import LocalModelServer
from ibl_agents.models.reply_cache_file import cache_file
from ibl_agents.models.response_cache import ModelIdentity, ReplyCache

LOCAL_PREFIX = "local"
API_KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
}
LOCAL_API_KEY = "sk-local-no-key"  # llama.cpp's server ignores it; the OpenAI client insists on one
# The OpenAI client's own retries: 429 (sleeping Retry-After when the server sends one), 408/409/5xx,
# timeouts, dropped connections and truncated bodies. It is the only retry layer for these faults, so a
# call that fails for good makes exactly 1 + CLIENT_RETRIES requests (tests/graph/test_provider_faults.py).
CLIENT_RETRIES = 2
# The generator stops at the fence that closes its code block: whatever follows is prose nobody reads,
# and extraction takes a block whose closing fence is missing. (The opening fence is followed by a
# language name, so it does not match.)
CODE_STOP = ["\n```\n"]
# Seed offset between a run's generator calls (replicates below the stride never share a seed)
CALL_SEED_STRIDE = 1000
T = TypeVar("T")


def _nothing_to_revive() -> bool:
    return False


@dataclass(frozen=True)
class ChatModels:
    generator: BaseChatModel
    critic: BaseChatModel
    generator_name: str
    critic_name: str
    # Restarts any embedded model server that died and says whether it did; raises ModelServerError
    # when a restart fails. Remote providers have nothing to revive.
    revive: Callable[[], bool] = _nothing_to_revive
    # The generator for generator call k >= 2 of a run (None: the generator itself).
    sampler: Callable[[int], BaseChatModel] | None = None

    def generator_for_call(self, call: int) -> BaseChatModel:
        """The generator that answers generator call ``call`` (1-based) of a run.

        Calls are seeded from the replicate number, so a server's reply does not depend on what it
        answered before. With one seed per run, six best-of-n prompts that differ only in row order drew
        the same program six times from the 1.5B model, and refine's repeated prompt (a rewrite that came
        back unchanged leaves best code and evidence as they were) drew the same reply again, wasting
        the call (issue 7). So call k >= 2 gets a seed, and a cache key, of its own; call 1 keeps the
        run's, so every strategy starts from the same first reply.
        """
        if call <= 1 or self.sampler is None:
            return self.generator
        return self.sampler(call)

    def reviving(self, call: Callable[[], T], warn: Callable[[str], None]) -> T:
        """``call()``; if it failed because the embedded model server died, restart it, ``warn`` and retry
        once. A restart that fails raises ModelServerError (a ProviderError): the run ends provider_error."""
        try:
            return call()
        except ProviderError:
            if not self.revive():
                raise
        warn("the local model server died; restarted it and retried the call")
        return call()


def is_local(spec: str) -> bool:
    return spec == LOCAL_PREFIX or spec.startswith(LOCAL_PREFIX + ":")


@contextmanager
def open_chat_models(config: ModelConfig, log=print) -> Iterator[ChatModels]:
    """Create generator and critic models; a local server started here is stopped on exit."""
    critic_spec = config.critic or config.generator
    with ExitStack() as stack:
        servers: dict[str, LocalModelServer] = {}

        def build(spec: str, sample: int = 0, stop: list[str] | None = None) -> tuple[BaseChatModel, str]:
            if is_local(spec):
                if spec not in servers:
                    servers[spec] = stack.enter_context(_local_endpoint(spec, config, log))
                name = servers[spec].model_name
                local = _openai_compatible(name, servers[spec].base_url, config, LOCAL_API_KEY, sample, stop)
                # the port changes per run, so it is not part of the cache identity
                return _with_cache(local, f"{spec} ({name})", None, config, sample)
            remote = make_remote_model(spec, config, sample, stop)
            return _with_cache(remote, spec, config.base_url, config, sample)

        generator, generator_name = build(config.generator, stop=CODE_STOP)
        critic, critic_name = build(critic_spec)

        @functools.cache
        def sampler(call: int) -> BaseChatModel:
            return build(config.generator, call - 1, CODE_STOP)[0]

        def revive() -> bool:
            dead = [server for server in servers.values() if not server.is_alive()]
            for server in dead:
                server.ensure_alive()  # restarts on the same port, so the clients above stay valid
            return bool(dead)

        yield ChatModels(generator, critic, generator_name, critic_name, revive, sampler)


def _with_cache(
    model: BaseChatModel, name: str, base_url: str | None, config: ModelConfig, sample: int = 0
) -> tuple[BaseChatModel, str]:
    """Attach the reply cache (unless ``cache`` is off); ``name`` and ``base_url`` identify the model."""
    if config.cache:
        identity = ModelIdentity(
            name, base_url, config.temperature, config.max_reply_tokens, config.replicate, sample
        )
        model.cache = ReplyCache(cache_file(config.cache_path), identity)
    return model, name


@contextmanager
def _local_endpoint(spec: str, config: ModelConfig, log) -> Iterator[LocalModelServer]:
    from ibl_agents.models.local.bundled import DEFAULT_MODEL, ensure_model, resolve_model
    from ibl_agents.models.local.server import ServerTuning, shared_server

    _, _, choice = spec.partition(":")
    path = resolve_model(choice or None)
    if not path.exists():
        path = ensure_model(choice or DEFAULT_MODEL, log=log)
    tuning = ServerTuning(threads=config.local_threads, prompt_cache_mb=config.local_prompt_cache_mb)
    with shared_server(path, n_ctx=config.context_tokens, tuning=tuning, log=log) as server:
        yield server


def make_remote_model(
    spec: str, config: ModelConfig, sample: int = 0, stop: list[str] | None = None
) -> BaseChatModel:
    """``provider:model`` through LangChain, with a one-line fix for each usual mistake."""
    provider, sep, name = spec.partition(":")
    if not sep or not name:
        raise ConfigError(
            f"model {spec!r} is not of the form provider:model (e.g. openai:gpt-4o-mini, anthropic:"
            "claude-3-5-haiku-latest, ollama:qwen2.5-coder) or local[:alias|path.gguf]"
        )
    if config.base_url:
        key = os.environ.get(API_KEY_VARIABLES.get(provider, "OPENAI_API_KEY"), LOCAL_API_KEY)
        return _openai_compatible(name, config.base_url, config, key, sample, stop)
    variable = API_KEY_VARIABLES.get(provider)
    if variable and not os.environ.get(variable):
        raise ProviderError(f"{provider} needs an API key: set {variable}, or use --model local")
    try:
        return init_chat_model(
            name,
            model_provider=provider,
            temperature=config.temperature,
            max_tokens=config.max_reply_tokens,
            timeout=config.timeout_s,
            stop=stop,
        )
    except ImportError as exc:
        raise ProviderError(
            f"provider {provider!r} needs its LangChain integration: pip install langchain-{provider}"
            f" ({_first_line(exc)})"
        ) from exc
    except ValueError as exc:
        if "Unsupported model_provider" in str(exc) or "Supported model providers" in str(exc):
            raise ConfigError(
                f"unknown provider {provider!r} in model {spec!r}: use openai, anthropic, ollama, ... (any"
                " provider init_chat_model knows), --base-url for an OpenAI-compatible server, or local"
            ) from exc
        raise ConfigError(f"cannot create model {spec!r}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    """A library's message can span lines; the user gets one."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Progress(threading.local):
    received = 0  # chunks of the current streamed reply that arrived (per thread: runs share models)


_progress = _Progress()


def _broke_off_midway(exc: BaseException) -> bool:
    """A stream that failed after its first chunk: the OpenAI client retries failures only before a
    reply starts, so without this a dropped connection or a server gone silent midway ended the run."""
    return isinstance(exc, openai.APIConnectionError) and _progress.received > 0


class StreamingChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose streamed reply is retried whole when it breaks off midway.

    The chunks are held until the reply is complete (nothing here shows tokens as they come), so a
    retried reply never mixes with the pieces of the one that broke off. The retry is inside the call,
    after LangChain's cache lookup, so a replayed run looks up each prompt as often as the original did.
    """

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        received: list[ChatGenerationChunk] = []
        retrying = Retrying(
            stop=stop_after_attempt(1 + CLIENT_RETRIES),
            retry=retry_if_exception(_broke_off_midway),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                received.clear()
                _progress.received = 0
                for chunk in super()._stream(*args, **kwargs):
                    received.append(chunk)
                    _progress.received += 1
        yield from received


def _openai_compatible(
    name: str,
    base_url: str,
    config: ModelConfig,
    api_key: str,
    sample: int = 0,
    stop: list[str] | None = None,
) -> BaseChatModel:
    return StreamingChatOpenAI(
        model=name,
        base_url=base_url,
        api_key=api_key,
        temperature=config.temperature,
        max_tokens=config.max_reply_tokens,
        # ChatOpenAI sends the cap as max_completion_tokens, which llama.cpp's server ignores (replies ran
        # to the context limit); OpenAI-compatible servers all read max_tokens.
        extra_body={"max_tokens": config.max_reply_tokens},
        # llama.cpp's server otherwise derives each call's seed from the previous call's, so a reply
        # would depend on how many calls the (shared) server answered before: replicate k samples with
        # seed k, independent of call order (parallel cells, Ray) and replayable; generator call s + 1
        # of a run (ChatModels.generator_for_call) adds s * CALL_SEED_STRIDE.
        seed=config.replicate + sample * CALL_SEED_STRIDE,
        # Streamed, the timeout bounds each wait for the next piece of the reply, not the whole reply: on
        # a busy machine a first call ran 748 s, the client gave up on it while the server was still
        # writing, and its retry made the server start the reply again. Servers that stream usage say so
        # at the end (stream_usage); llama-cpp-python's does not, so its tokens are counted here.
        streaming=True,
        stream_usage=True,
        timeout=config.timeout_s,
        max_retries=CLIENT_RETRIES,
        stop=stop,
    )
