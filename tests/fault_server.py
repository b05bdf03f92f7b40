"""A fault-injecting OpenAI-compatible chat server: real HTTP on 127.0.0.1, scripted per request.

Each request takes the next entry of ``script``; when the script is used up, ``default`` answers. An
entry is a fault name from ``FAULTS`` or the text of a good reply (prefixed ``TRICKLE`` or ``LENGTH`` to
change how it arrives). Streamed requests (``"stream": true``) get server-sent events. Good replies
carry ``usage`` with fixed token counts so budget arithmetic in tests is exact. Every request is
recorded (arrival time and JSON body) so tests count attempts at the server, where retries of every
layer add up.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pandas as pd

from ibl_agents.config import ModelConfig, RefineConfig
from ibl_agents.run.refine import RunSummary, refine
from sandbox.executor import Executor
from tests.loopback_http import LoopbackServer

RATE_LIMIT = "rate_limit"  # 429 with Retry-After: RETRY_AFTER_S
SERVER_ERROR = "server_error"  # 500
HANG = "hang"  # no answer until the server stops: longer than any client timeout in the tests
TRUNCATED = "truncated"  # 200 whose body stops halfway (Content-Length promises more)
STALL = "stall"  # a streamed reply that starts, then sends nothing more until the server stops
FAULTS = (RATE_LIMIT, SERVER_ERROR, HANG, TRUNCATED, STALL)
# A good reply the server streams piece by piece with this much silence between pieces (below the
# client's timeout, so the call succeeds however long the whole reply takes): "trickle:<reply text>".
TRICKLE = "trickle:"
TRICKLE_PIECES = 5
TRICKLE_GAP_S = 0.6
# A good reply that stopped at the reply cap (finish_reason "length"): "length:<reply text>".
LENGTH = "length:"
RETRY_AFTER_S = 2
PROMPT_TOKENS = 100
COMPLETION_TOKENS = 50
CLIENT_TIMEOUT_S = 1.0


@dataclass
class Request:
    at: float  # time.monotonic() on arrival
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


@dataclass
class FaultServer:
    default: str
    script: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = LoopbackServer(_handler(self))

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> FaultServer:
        self._server.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket (nothing is left running)."""
        self._stopping.set()
        self._server.stop()

    def next_entry(self, body: dict[str, Any]) -> str:
        with self._lock:
            self.requests.append(Request(time.monotonic(), body))
            return self.script.pop(0) if self.script else self.default

    def hang(self) -> None:
        self._stopping.wait()


def completion(text: str, model: str) -> dict[str, Any]:
    """An OpenAI chat.completions response body with usage."""
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    }


def stream_events(text: str, model: str, finish_reason: str, pieces: int) -> list[bytes]:
    """The server-sent events of a streamed chat completion: ``text`` in ``pieces`` deltas, the finish
    reason, the usage (what OpenAI sends when asked with stream_options.include_usage) and [DONE]."""
    size = max(1, -(-len(text) // pieces))
    chunks: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"content": text[i : i + size]}, "finish_reason": None}]}
        for i in range(0, len(text), size)
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]})
    chunks.append({"choices": [], "usage": completion(text, model)["usage"]})
    head = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 0, "model": model}
    events = [b"data: " + json.dumps({**head, **chunk}).encode() + b"\n\n" for chunk in chunks]
    return [*events, b"data: [DONE]\n\n"]


def _reply_text(entry: str) -> str:
    return entry.removeprefix(TRICKLE).removeprefix(LENGTH)


def _finish_reason(entry: str) -> str:
    return "length" if entry.startswith(LENGTH) else "stop"


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            entry = server.next_entry(body)
            if entry == HANG:
                server.hang()
                self.close_connection = True
                return
            if entry == RATE_LIMIT:
                self._send(429, {"error": {"message": "slow down", "type": "rate_limit"}}, RETRY_AFTER_S)
            elif entry == SERVER_ERROR:
                self._send(500, {"error": {"message": "injected fault", "type": "server_error"}})
            elif not body.get("stream"):
                self._answer_whole(entry, body.get("model", ""))
            else:
                self._answer_streamed(entry, body.get("model", ""))

        def _answer_whole(self, entry: str, model: str) -> None:
            if entry == TRUNCATED:
                data = json.dumps(completion("cut", model)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
            else:
                reply = completion(_reply_text(entry), model)
                reply["choices"][0]["finish_reason"] = _finish_reason(entry)
                self._send(200, reply)

        def _answer_streamed(self, entry: str, model: str) -> None:
            text = "cut" if entry in (TRUNCATED, STALL) else _reply_text(entry)
            pieces = TRICKLE_PIECES if entry.startswith(TRICKLE) else 2
            events = stream_events(text, model, _finish_reason(entry), pieces)
            data = b"".join(events)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if entry in (TRUNCATED, STALL):  # the first piece, then a dropped connection or silence
                self.wfile.write(events[0])
                self.wfile.flush()
                if entry == STALL:
                    server.hang()
                self.close_connection = True
                return
            for event in events:
                self.wfile.write(event)
                self.wfile.flush()
                if entry.startswith(TRICKLE):
                    time.sleep(TRICKLE_GAP_S)

        def _send(self, status: int, payload: dict[str, Any], retry_after: int | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def run_against(
    server: FaultServer,
    tmp_path: Path,
    frame: pd.DataFrame,
    executor: Executor,
    model: str = "openai:fake",
    replicate: int = 0,
    cache: bool = True,
    **loop: object,
) -> RunSummary:
    """refine() with the server as generator and critic; the reply cache file lives in ``tmp_path``."""
    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="faults")
    config.data.target = "y"
    config.models = ModelConfig(
        generator=model,
        base_url=server.base_url,
        timeout_s=CLIENT_TIMEOUT_S,
        cache_path=str(tmp_path / "responses.sqlite"),
        replicate=replicate,
        cache=cache,
    )
    for key, value in {"patience": 10, **loop}.items():
        setattr(config.loop, key, value)
    return refine(config, frame=frame, executor=executor, log=lambda _: None)
