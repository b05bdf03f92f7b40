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
from tests.fakes import fenced
from tests.reference import SPLITS

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


def assistants(studio: str) -> dict[str, dict]:
    found = httpx.post(f"{studio}/assistants/search", json={}, timeout=10).json()
    return {assistant["graph_id"]: assistant for assistant in found}


def test_studio_serves_the_refinement_graph_and_its_schemas(studio: str) -> None:
    assistant = assistants(studio)["refinement"]
    graph = httpx.get(f"{studio}/assistants/{assistant['assistant_id']}/graph", timeout=10).json()
    assert {node["id"] for node in graph["nodes"]} >= {"generate", "execute", "decide", "critique"}
    assert ("decide", "critique") in {(edge["source"], edge["target"]) for edge in graph["edges"]}
    schemas = httpx.get(f"{studio}/assistants/{assistant['assistant_id']}/schemas", timeout=10)
    assert schemas.status_code == 200, schemas.text  # Studio's input forms need the state schema
    body = schemas.json()
    assert "candidates" in body["state_schema"]["properties"]
    # Studio's input and output panels: empty before, when the state used typing.TypedDict on 3.11
    assert "iteration" in body["input_schema"]["properties"]
    assert "best_score" in body["output_schema"]["properties"]


@pytest.mark.docker
def test_a_run_starts_from_studio_with_a_dataset_path(studio: str, tmp_path: Path, fault_server) -> None:
    """The ibl_run graph takes what `ibl run` takes; the refinement graph alone needs a RunContext that
    Studio cannot build (a run started on it failed with a raw TypeError)."""
    ibl_run = assistants(studio)["ibl_run"]
    schemas = httpx.get(f"{studio}/assistants/{ibl_run['assistant_id']}/schemas", timeout=10).json()
    assert {"data", "target"} <= set(schemas["input_schema"]["properties"])
    fault_server.default = fenced("def predict(df):\n    return (df['Feature_1'] > 0.3).astype(float)\n")
    run_input = {
        "data": str(SPLITS / "moon_3656_300_train.csv"),
        "target": "target",
        "max_iters": 1,
        "strategy": "one-shot",
        "model": "openai:fake",
        "base_url": fault_server.base_url,
        "runs_dir": str(tmp_path / "runs"),
    }
    answer = httpx.post(
        f"{studio}/runs/wait", json={"assistant_id": ibl_run["assistant_id"], "input": run_input}, timeout=300
    )
    assert answer.status_code == 200, answer.text
    output = answer.json()
    assert output["ok"] and output["stop_reason"] == "max_iters" and "Feature_1" in output["best_code"]
    assert Path(output["run_dir"], "summary.json").is_file()
