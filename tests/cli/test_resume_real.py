"""`ibl run` killed with SIGKILL mid-run, then `ibl resume`: the real model, real Docker, real processes.

The model server (Qwen2.5-Coder 0.5B) belongs to the test, behind a proxy that logs a digest of every
prompt that reaches it, so the kill takes nothing else down and the request log outlives both processes.
The run is killed while its third generation call is in flight, after two finished iterations. What must
hold: the resumed process sends again exactly the requests of the unfinished step, never one of a
checkpointed step; the files of finished steps are untouched; the run completes. The reply cache is off,
so only the server's log can show a repeated call.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from ibl_agents.models.local.bundled import ensure_model
from ibl_agents.models.local.server import LocalModelServer
from ibl_agents.run.checkpoints import open_checkpointer, recorded_thread
from tests.recording_proxy import RecordingProxy
from tests.reference import SPLITS

pytestmark = [pytest.mark.docker, pytest.mark.llm]
MODEL = "qwen2.5-coder-0.5b"
MAX_ITERS = 3  # killed in the third generation: the resume makes one call (no critic after the last)


def ibl(*args: str, cwd: Path, stdout: Path) -> subprocess.Popen[bytes]:
    with stdout.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ibl_agents", *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )


def events_of(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_for(condition, what: str, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, f"ibl exited with {process.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f}s"
        time.sleep(0.2)


def last_checkpoint_time(run_dir: Path) -> float:
    thread = recorded_thread(run_dir)
    assert thread is not None
    with open_checkpointer(run_dir, thread.checkpoint_db) as saver:
        latest = saver.get_tuple(thread.config)
    assert latest is not None
    return datetime.fromisoformat(latest.checkpoint["ts"]).timestamp()


def finished_files(run_dir: Path, ids: tuple[str, ...]) -> dict[str, bytes]:
    return {
        str(path.relative_to(run_dir)): path.read_bytes()
        for folder in ("candidates", "feedback")
        for path in sorted((run_dir / folder).iterdir())
        if path.name.startswith(ids)
    }


@pytest.mark.timeout(3600)  # 5 calls before the kill: seconds each on an idle machine, minutes on a busy one
@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_run_resumes_without_repeating_a_model_call(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, sandbox_image: str
) -> None:
    store_flags = ["--checkpoint-db", request.getfixturevalue("postgres_url")] if store == "postgres" else []
    output = tmp_path / "output.txt"
    with (
        LocalModelServer(ensure_model(MODEL), log_dir=tmp_path) as server,
        RecordingProxy(server.base_url, tmp_path / "requests.jsonl") as proxy,
    ):
        run = ibl(
            *("run", str(SPLITS / "moon_3656_300_train.csv")),
            *("--test", str(SPLITS / "moon_3656_300_test.csv")),
            *("--target", "target", "--train-rows", "20", "--max-iters", str(MAX_ITERS), "--patience", "3"),
            *("--model", f"openai:{server.model_name}", "--base-url", proxy.base_url, "--no-cache"),
            *("--runs-dir", str(tmp_path / "runs"), *store_flags),
            cwd=tmp_path,
            stdout=output,
        )
        try:
            wait_for(lambda: any((tmp_path / "runs").glob("*/events.jsonl")), "run directory", 120, run)
            (run_dir,) = (tmp_path / "runs").iterdir()
            third = {"event": "generating", "iteration": 3}
            wait_for(
                lambda: any(third.items() <= e.items() for e in events_of(run_dir)), "iteration 3", 3000, run
            )
            began = next(e["time"] for e in events_of(run_dir) if third.items() <= e.items())
            sent = sum(r["at"] < began for r in proxy.requests())
            wait_for(lambda: len(proxy.requests()) > sent, "the third generation call", 300, run)
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=30)
        finally:
            if run.poll() is None:
                run.kill()
        before = proxy.requests()
        checkpointed_at = last_checkpoint_time(run_dir)
        kept = finished_files(run_dir, ("0001", "0002"))
        assert not (run_dir / "summary.json").exists()

        started = time.time()
        resumed = ibl("resume", str(run_dir), cwd=tmp_path, stdout=output)
        assert resumed.wait(timeout=3000) in (0, 1), output.read_text()[-3000:]
        requests = proxy.requests()
        server_posts = server.log_path.read_text().count('"POST /v1/chat/completions HTTP/1.1" 200')

    after = requests[len(before) :]
    in_flight = {r["sha256"] for r in before if r["at"] > checkpointed_at}
    finished = [r for r in before if r["at"] <= checkpointed_at]
    repeated = {r["sha256"] for r in after} & {r["sha256"] for r in before}
    assert in_flight and repeated == in_flight, "a finished step's call was sent again, or none was resumed"
    assert not repeated & {r["sha256"] for r in finished}
    assert server_posts == len(requests)  # the server's own log counts the same calls as the proxy

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["iterations"] == MAX_ITERS and len(summary["candidates"]) == MAX_ITERS
    assert finished_files(run_dir, ("0001", "0002")) == kept
    events = events_of(run_dir)
    resume_event = next(e for e in events if e["event"] == "resume")
    assert resume_event["candidates_kept"] == 2 and resume_event["next"] == ["generate"]
    assert events[-1]["event"] == "finish"
    first_new_call = after[0]["at"] - started
    print(
        f"\n[{store}] calls before the kill {len(before)} (finished steps {len(finished)}, in flight"
        f" {len(before) - len(finished)}); after resume {len(after)}; saved {len(finished)} calls;"
        f" resume event {resume_event['time'] - started:.1f}s, first model call {first_new_call:.1f}s"
        f" after `ibl resume` started"
    )
