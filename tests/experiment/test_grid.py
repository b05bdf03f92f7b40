"""A small grid end to end: the real `ibl experiment` killed mid-grid, resumed in two worker threads,
reported, and rerun on Ray.

The model is the fault server (a real OpenAI-compatible HTTP server), so cells running in a subprocess or
in Ray workers reach it too; candidates run in the real Docker sandbox. The scripted reply reads `x1` and
`x2`: it scores on dataset `both` and fails with a KeyError on dataset `nox2`, which has no `x2`.

Every good reply of the fault server reports 150 tokens, so a cell's ``tokens_used / 150`` is the number
of requests it made: that is how the test knows which requests the resumed run made.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import numpy as np
import pandas as pd
import pytest

from ibl_agents.experiment.runner import ExperimentResult, run_experiment
from ibl_agents.experiment.store import DONE_MARKER, LOCK, cell_dir
from sandbox.hardening import OWNER_PID_LABEL
from tests.fakes import fenced
from tests.fault_server import COMPLETION_TOKENS, HANG, PROMPT_TOKENS, FaultServer

pytestmark = pytest.mark.docker

CODE = fenced(
    "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-(2 * df['x1'] + df['x2'])))\n"
)
ICL_ANSWERS = [0.9, 0.2, 0.7, 0.1, 0.6, 0.4, 0.8, 0.3, 0.55, 0.45, 0.65, 0.35]  # one per test row (12)
# one reply serves every call: the generator's code, and "row: probability" lines for the ICL cells
REPLY = CODE + "\n".join(f"{row}: {p}" for row, p in enumerate(ICL_ANSWERS, start=1))
TOKENS_PER_REQUEST = PROMPT_TOKENS + COMPLETION_TOKENS
CELLS = [f"{data}-fake-{kind}-r0" for data in ("both", "nox2") for kind in ("one-shot", "refine", "icl")]
CELLS += [cell.replace("-r0", "-r1") for cell in CELLS]  # replicate-major order


@dataclass
class Grid:
    config: Path
    runs: Path
    server: FaultServer
    leftover: Path  # a file put into the second cell's half-written run directory after the kill
    first_summary: bytes  # the first cell's summary.json as the killed run left it
    resumed: ExperimentResult
    resumed_requests: int


def write_grid(folder: Path, base_url: str) -> Path:
    rng = np.random.default_rng(3)
    x1 = rng.normal(size=60).round(3)
    x2 = (0.5 * x1 + rng.normal(size=60)).round(3)
    y = (x1 + 0.3 * rng.normal(size=60) > 0).astype(int)
    pd.DataFrame({"x1": x1, "x2": x2, "y": y}).to_csv(folder / "both.csv", index=False)
    pd.DataFrame({"x1": x1, "x3": x2, "y": y}).to_csv(folder / "nox2.csv", index=False)
    config = folder / "tiny.yaml"
    config.write_text(
        f"""
name: tiny
replicates: 2
baselines: [logistic_regression, decision_tree]
datasets:
  - {{name: both, path: both.csv, target: y}}
  - {{name: nox2, path: nox2.csv, target: y}}
models:
  - {{name: fake, generator: "openai:fake", base_url: "{base_url}", timeout_s: 3}}
strategies:
  - {{name: one-shot, strategy: one-shot}}
  - {{name: refine, strategy: refine, max_iters: 2, patience: 2}}
refine:
  models: {{cache: false}}  # every reply must come from the server, or the request counts mean nothing
"""
    )
    return config


def kill_in_second_cell(config: Path, runs: Path, server: FaultServer) -> tuple[Path, bytes]:
    """Start `ibl experiment`, SIGKILL it while the second cell waits for its hanging first model call,
    remove the containers it leaked."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ibl_agents", "experiment", str(config), "--runs-dir", str(runs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    directory = runs / "exp-tiny"
    first, second = cell_dir(directory, CELLS[0]), cell_dir(directory, CELLS[1])
    deadline = time.monotonic() + 120
    while len(server.requests) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    client = docker.from_env()
    for container in client.containers.list(all=True, filters={"label": f"{OWNER_PID_LABEL}={process.pid}"}):
        container.remove(force=True)
    client.close()
    assert (first / DONE_MARKER).is_file() and not (second / DONE_MARKER).exists()
    assert (directory / LOCK).is_file()  # left by the dead process; resuming takes it over
    leftover = next(second.glob("*/events.jsonl")).parent / "left-by-the-kill"
    leftover.touch()
    return leftover, next(first.glob("*/summary.json")).read_bytes()


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory, sandbox_image: str) -> Iterator[Grid]:
    folder = tmp_path_factory.mktemp("grid")
    # the second cell's first call hangs until the client gives up: time to kill the run inside that cell
    server = FaultServer(default=REPLY, script=[REPLY, HANG]).start()
    try:
        config, runs = write_grid(folder, server.base_url), folder / "runs"
        leftover, first_summary = kill_in_second_cell(config, runs, server)
        before = len(server.requests)
        resumed = run_experiment(config, runs_dir=runs, workers=2, log=lambda _: None)  # threads
        yield Grid(config, runs, server, leftover, first_summary, resumed, len(server.requests) - before)
    finally:
        server.stop()


def summary(directory: Path, cell: str) -> dict:
    marker = json.loads((cell_dir(directory, cell) / DONE_MARKER).read_text())
    return json.loads((cell_dir(directory, cell) / marker["run_dir"] / "summary.json").read_text())


def test_resume_skips_finished_cells_and_replaces_the_half_run_one(grid: Grid) -> None:
    directory = grid.resumed.directory
    assert grid.resumed.skipped == CELLS[:1] and not (directory / LOCK).exists()
    assert sorted(outcome.cell_id for outcome in grid.resumed.ran) == sorted(CELLS[1:])
    # the finished cell is untouched; the killed cell's half-written run is gone, replaced by a new run
    assert next(cell_dir(directory, CELLS[0]).glob("*/summary.json")).read_bytes() == grid.first_summary
    assert not grid.leftover.exists()
    assert len([path for path in cell_dir(directory, CELLS[1]).iterdir() if path.is_dir()]) == 1
    # every request of the resumed run belongs to a cell it ran: none to the finished one
    requests = sum(summary(directory, cell)["tokens_used"] for cell in CELLS[1:]) // TOKENS_PER_REQUEST
    # refine: 3 calls on `both` (generate, critique, generate), 2 on `nox2`, where the failed candidate
    # gets a fix prompt and no critic call; one-shot; ICL
    assert grid.resumed_requests == requests == 2 * 3 + 2 * 2 + 3 * 1 + 4 * 1
    # the scripted code runs on `both` and fails on `nox2`; ICL answers on both
    assert [summary(directory, cell)["ok"] for cell in CELLS] == [True, True, True, False, False, True] * 2
    icl = json.loads((Path(summary(directory, CELLS[2])["run_dir"]) / "predictions.json").read_text())
    assert icl["best"] == ICL_ANSWERS and summary(directory, CELLS[2])["missing_rate"] == 0
    assert {
        c["kind"] for cell in CELLS if "nox2" in cell for c in summary(directory, cell)["candidates"]
    } == {"runtime_error"}


def test_a_finished_experiment_reruns_nothing(grid: Grid) -> None:
    before = len(grid.server.requests)
    again = run_experiment(grid.config, runs_dir=grid.runs, log=lambda _: None)
    assert again.ran == [] and again.skipped == CELLS and len(grid.server.requests) == before


def test_report_of_the_grid(grid: Grid) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "report", str(grid.resumed.directory)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = Path(result.stdout.strip().splitlines()[-1])
    assert html == grid.resumed.directory / "report.html"
    markdown = (grid.resumed.directory / "report.md").read_text()
    assert "| both | — | fake | refine | full | 1 | 2 | 100 % |" in markdown  # one split, 2 replicates
    assert "| nox2 | — | fake | one-shot | full | 1 | 2 | 0 % |" in markdown
    assert "ICL AUC" in markdown and "| icl (same LLM) |" in markdown
    assert html.read_text().count("data:image/png;base64,") == 4  # 2 iteration plots, valid rate, AUCs


def test_ray_executor_gives_identical_cells(grid: Grid, tmp_path: Path) -> None:
    pytest.importorskip("ray")  # installed by .ci/setup (the [ray] extra)
    on_ray = run_experiment(grid.config, runs_dir=tmp_path, executor="ray", workers=2, log=lambda _: None)

    assert sorted(outcome.cell_id for outcome in on_ray.ran) == sorted(CELLS)
    for cell in CELLS:
        local, remote = summary(grid.resumed.directory, cell), summary(on_ray.directory, cell)
        for key in ("ok", "test", "validation", "baselines", "best_code", "stop_reason", "tokens_used"):
            assert local.get(key) == remote.get(key), (cell, key)
        assert [c["kind"] for c in local["candidates"]] == [c["kind"] for c in remote["candidates"]]
        for name in ("candidates", "predictions.json"):
            assert _files(grid.resumed.directory, cell, name) == _files(on_ray.directory, cell, name), cell


def _files(directory: Path, cell: str, name: str) -> dict[str, str]:
    """Text of a run-directory file, or of every candidate's code when ``name`` is the candidates folder."""
    run_dir = Path(summary(directory, cell)["run_dir"])
    paths = sorted((run_dir / name).glob("*.py")) if name == "candidates" else [run_dir / name]
    return {path.name: path.read_text() for path in paths}
