"""An HTTP proxy in front of a real model server that logs what each request asked, at the server's door.

The llama.cpp server's own log has one line per request but not the prompt; this proxy forwards every
request unchanged and appends one JSON line per request (arrival time, sha256 of the messages) to a file.
It observes from the server side, independent of the client's code and of our reply cache, so "was this
call made twice?" is answered by what reached the server.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.loopback_http import LoopbackServer


def prompt_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body.get("messages", []), sort_keys=True).encode()).hexdigest()


class RecordingProxy:
    def __init__(self, upstream: str, log_path: Path) -> None:
        self.upstream = upstream.rstrip("/")  # http://127.0.0.1:PORT/v1
        self.log_path = log_path
        self._server = LoopbackServer(_handler(self))

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def __enter__(self) -> RecordingProxy:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def requests(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]

    def record(self, body: dict[str, Any]) -> None:
        line = json.dumps({"at": time.time(), "sha256": prompt_digest(body)})
        with self.log_path.open("a") as handle:
            handle.write(line + "\n")


def _handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            proxy.record(json.loads(data or b"{}"))
            path = self.path.removeprefix("/v1")
            request = urllib.request.Request(
                proxy.upstream + path, data=data, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=900) as response:
                    status, reply = response.status, response.read()
                    kind = response.headers.get("Content-Type", "application/json")
            except urllib.error.HTTPError as error:
                status, reply, kind = error.code, error.read(), "application/json"
            except OSError:
                return  # the client went away (killed); nothing to answer
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)  # a streamed reply is passed on whole
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass  # the client was killed while the server worked

    return Handler
