"""`langgraph dev` (LangGraph Studio's local server) loads the refinement graph from langgraph.json.

The server runs from its own venv (`.ci/setup` builds it in the cache dir with `--system-site-packages`)
so its stack never mixes with the environment the other tests import.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.cache import cache_root

ROOT = Path(__file__).resolve().parents[2]
LANGGRAPH = cache_root() / "studio-venv" / "bin" / "langgraph"


@pytest.fixture(scope="module")
def studio() -> Iterator[str]:
    if not LANGGRAPH.exists():
        pytest.skip(f"{LANGGRAPH} missing: bash .ci/setup installs langgraph-cli[inmem] there")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1"}
    server = subprocess.Popen(
        [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_studio_serves_the_refinement_graph_and_its_schemas(studio: str) -> None:
    (assistant,) = httpx.post(f"{studio}/assistants/search", json={}, timeout=10).json()
    assert assistant["graph_id"] == "refinement"
    graph = httpx.get(f"{studio}/assistants/{assistant['assistant_id']}/graph", timeout=10).json()
    assert {node["id"] for node in graph["nodes"]} >= {"generate", "execute", "decide", "critique"}
    assert ("decide", "critique") in {(edge["source"], edge["target"]) for edge in graph["edges"]}
    schemas = httpx.get(f"{studio}/assistants/{assistant['assistant_id']}/schemas", timeout=10)
    assert schemas.status_code == 200, schemas.text  # Studio's input forms need the state schema
    assert "candidates" in schemas.json()["state_schema"]["properties"]
