"""A run killed in the middle of a step, then resumed: scripted chat models, the real Docker sandbox.

``Killed`` is a BaseException, like the KeyboardInterrupt or SystemExit that ends a real process: nothing
in the loop catches it, so the run stops exactly where a kill would stop it, with the checkpoints of the
finished steps on disk. The resumed process gets fresh fakes, so any repeated call shows in them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.errors import ConfigError, ResumeError
from ibl_agents.loop.events import schema_errors
from ibl_agents.models.providers import ChatModels
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.run.refine import refine
from ibl_agents.run.resume import resume
from sandbox.executor import Executor
from sandbox.results import ExecutionResult
from tests.fakes import fenced

# Four different programs, so each sandbox run can be traced to its candidate.
CODES = [
    "def predict(df):\n    return df['z'] * 0\n",
    "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['x2'].to_numpy()))\n",
    "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-2 * df['x2'].to_numpy()))\n",
    "import numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0, 1.0, 0.0)\n",
]
DOWN_S = 2.0
CALL_TOKENS = 150  # ScriptedChatModel: 100 prompt + 50 completion tokens per call


class Killed(BaseException):
    """The process dies here."""


def killed_on_call(n: int) -> ScriptedChatModel:
    """A generator writing CODES in order whose n-th call kills the process."""

    def die(prompt: str) -> str:
        raise Killed

    script: list = [fenced(code) for code in CODES]
    script[n - 1] = die
    return ScriptedChatModel(script=script)


class CountingExecutor:
    """The real executor, recording the code of every run (optionally dying on the n-th)."""

    def __init__(self, inner: Executor, die_on_run: int | None = None) -> None:
        self.inner = inner
        self.description = inner.description
        self.isolation_warning = inner.isolation_warning
        self.codes: list[str] = []
        self.die_on_run = die_on_run

    def run(self, code: str, frames: Mapping[str, pd.DataFrame]) -> ExecutionResult:
        self.codes.append(code)
        if len(self.codes) == self.die_on_run:
            raise Killed
        return self.inner.run(code, frames)

    def close(self) -> None:
        """The inner executor belongs to the fixture."""

    def __enter__(self) -> CountingExecutor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def config_for(tmp_path: Path, data: Path, checkpoint_db: str | None = None) -> RefineConfig:
    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="killed", checkpoint_db=checkpoint_db)
    config.data.path, config.data.target = str(data), "y"
    config.loop.max_iters, config.loop.patience = 4, 10
    config.loop.fix_failures = False  # a critique after every candidate: the call counts below rely on it
    return config


@pytest.fixture
def data_file(tmp_path: Path, signal_frame: pd.DataFrame) -> Path:
    path = tmp_path / "signal.csv"
    signal_frame.to_csv(path, index=False)
    return path


def kill_run(
    config: RefineConfig, generator: ScriptedChatModel, executor: CountingExecutor, on_event=None
) -> Path:
    critic = ScriptedChatModel(script=["- use x1"])
    models = ChatModels(generator, critic, "scripted", "critic")
    with pytest.raises(Killed):
        refine(config, executor=executor, models=models, on_event=on_event)
    (run_dir,) = Path(config.runs_dir).iterdir()
    assert not (run_dir / "summary.json").exists()
    return run_dir


def files_of(run_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(run_dir)): path.read_bytes()
        for folder in ("candidates", "feedback")
        for path in sorted((run_dir / folder).iterdir())
    }


def fresh_models() -> tuple[ScriptedChatModel, ScriptedChatModel, ChatModels]:
    """The resumed process's models: they write CODES[2:] and record what they are asked."""
    generator = ScriptedChatModel(script=[fenced(code) for code in CODES[2:]])
    critic = ScriptedChatModel(script=["- use x1"])
    return generator, critic, ChatModels(generator, critic, "scripted", "critic")


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_in_a_model_call_resumes_without_repeating_finished_steps(
    store, request, tmp_path, data_file, loop_executor
) -> None:
    url = request.getfixturevalue("postgres_url") if store == "postgres" else None
    first = killed_on_call(3)  # dies while generating iteration 3
    run_dir = kill_run(config_for(tmp_path, data_file, url), first, CountingExecutor(loop_executor))
    assert json.loads((run_dir / "checkpoint.json").read_text())["checkpoint_db"] == url
    assert (run_dir / "checkpoints.sqlite").exists() == (url is None)
    before = files_of(run_dir)
    assert "candidates/0002.py" in before and "feedback/0002.txt" in before

    time.sleep(DOWN_S)  # the run is down; the clock must not count it
    generator, critic, models = fresh_models()
    executor = CountingExecutor(loop_executor)
    summary = resume(run_dir, executor=executor, models=models, log=lambda message: None)

    assert summary.stop_reason == "max_iters" and summary.iterations == 4
    assert [c["id"] for c in summary.candidates] == ["0001", "0002", "0003", "0004"]
    assert summary.best_id == "0004" and summary.test["auc"] == 1.0
    # Only the unfinished step's call is made again, with the very prompt the dead process sent.
    assert len(generator.prompts) == 2 and generator.prompts[0] == first.prompts[2]
    assert len(critic.prompts) == 1  # after iteration 3; the critiques of 1 and 2 were kept
    assert not set(executor.codes) & {CODES[0], CODES[1]}  # finished sandbox runs are not repeated
    # Tokens of the first process (2 generations, 2 critiques) carry over, the lost call is not counted.
    assert summary.tokens_used == 7 * CALL_TOKENS
    after = files_of(run_dir)
    assert {name: after[name] for name in before if not name.startswith("candidates/0003")} == {
        name: data for name, data in before.items() if not name.startswith("candidates/0003")
    }
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    started = next(e["time"] for e in events if e["event"] == "start")
    assert summary.wall_s < time.time() - started - DOWN_S
    resumed = next(e for e in events if e["event"] == "resume")
    assert resumed["next"] == ["generate"] and resumed["candidates_kept"] == 2
    assert events[-1]["event"] == "finish"
    assert [error for event in events for error in schema_errors(event)] == []
    assert json.loads((run_dir / "summary.json").read_text())["iterations"] == 4

    # Resuming a finished run runs nothing and returns the summary it wrote.
    said: list[str] = []
    again = resume(run_dir, log=said.append)
    assert again == summary and said == [f"{run_dir} finished earlier; nothing to resume"]
    assert (run_dir / "events.jsonl").read_text().count('"resume"') == 1


def test_killed_in_the_sandbox_keeps_the_finished_generation(tmp_path, data_file, loop_executor) -> None:
    first = ScriptedChatModel(script=[fenced(code) for code in CODES])
    # Runs: 1 candidate 1 (fails on the train rows), 2-3 candidate 2 (train rows, then the folds), 4 the kill
    executor = CountingExecutor(loop_executor, die_on_run=4)  # candidate 3 is written, then the kill
    refused: list[str] = []

    def resume_while_running(event: dict) -> None:
        if event["event"] == "start":
            with pytest.raises(ResumeError) as error:
                resume(event["run_dir"], executor=loop_executor)
            refused.append(str(error.value))

    run_dir = kill_run(config_for(tmp_path, data_file), first, executor, resume_while_running)
    assert len(refused) == 1 and refused[0].startswith(f"{run_dir} is still running in another process")
    code_3 = (run_dir / "candidates" / "0003.py").read_bytes()
    assert len(first.prompts) == 3

    generator, critic, models = fresh_models()
    generator.script = [fenced(CODES[3])]
    summary = resume(run_dir, executor=CountingExecutor(loop_executor), models=models, log=lambda m: None)

    assert summary.iterations == 4 and summary.stop_reason == "max_iters"
    assert len(generator.prompts) == 1  # iteration 4 only: the generation of 3 had finished
    assert len(critic.prompts) == 1  # iteration 3's critique; 1 and 2 were kept
    assert (run_dir / "candidates" / "0003.py").read_bytes() == code_3
    assert [c["kind"] for c in summary.candidates][2] == "ok"


def test_changed_or_missing_data_and_experiment_settings_are_refused(
    tmp_path, data_file, loop_executor
) -> None:
    run_dir = kill_run(config_for(tmp_path, data_file), killed_on_call(1), CountingExecutor(loop_executor))
    with pytest.raises(ConfigError, match=r"loop\.max_iters cannot change on resume"):
        resume(run_dir, overrides={"loop.max_iters": 9})

    original = data_file.read_bytes()
    data_file.write_bytes(original.replace(b"\n1", b"\n0", 1))
    with pytest.raises(ResumeError, match=r"the data differs from the run's manifest.json \(sha256 "):
        resume(run_dir, executor=loop_executor)
    data_file.unlink()
    with pytest.raises(ResumeError, match=re.escape(f"the run's data file {data_file} is not there")):
        resume(run_dir, executor=loop_executor)
    data_file.write_bytes(original)  # restored: the run resumes and finishes
    _, _, models = fresh_models()
    assert resume(run_dir, executor=loop_executor, models=models, log=lambda m: None).iterations == 4
