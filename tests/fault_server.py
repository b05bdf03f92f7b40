"""A fault-injecting OpenAI-compatible chat server: real HTTP on 127.0.0.1, scripted per request.

Each request takes the next entry of ``script``; when the script is used up, ``default`` answers. An
entry is a fault name from ``FAULTS`` or the text of a good reply. Good replies carry ``usage`` with
fixed token counts so budget arithmetic in tests is exact. Every request is recorded (arrival time and
JSON body) so tests count attempts at the server, where retries of every layer add up.
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
from ibl_agents.refine import RunSummary, refine
from sandbox.executor import Executor
from tests.loopback_http import LoopbackServer

RATE_LIMIT = "rate_limit"  # 429 with Retry-After: RETRY_AFTER_S
SERVER_ERROR = "server_error"  # 500
HANG = "hang"  # no answer until the server stops: longer than any client timeout in the tests
TRUNCATED = "truncated"  # 200 whose body stops halfway (Content-Length promises more)
FAULTS = (RATE_LIMIT, SERVER_ERROR, HANG, TRUNCATED)
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
            elif entry == TRUNCATED:
                data = json.dumps(completion("cut", body.get("model", ""))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
            else:
                self._send(200, completion(entry, body.get("model", "")))

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
