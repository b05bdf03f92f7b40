"""Recorded runs replayed at the executor seam: the same call gets the recorded answer, any other call
(other code, other values, other frame names, another sandbox version) is refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sandbox.errors import SandboxError
from sandbox.replay import RecordingExecutor, ReplayExecutor, recorded_version
from sandbox.results import OutcomeKind
from tests.fakes import InProcessExecutor

GOOD = "def predict(df):\n    return (df['x'] > 0).astype(float)\n"
CRASH = "def predict(df):\n    return df['missing']\n"
FRAME = pd.DataFrame({"x": [-1.0, 2.0, 3.0]})


def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "rec" / "calls.json"
    with RecordingExecutor(InProcessExecutor(), version="v1") as recording:
        recording.run(GOOD, {"train": FRAME})
        recording.run(CRASH, {"train": FRAME})
    recording.save(path)
    return path


def test_a_recorded_call_is_answered_as_it_was_without_running_anything(tmp_path: Path) -> None:
    path = recorded(tmp_path)
    assert recorded_version(path) == "v1"
    with ReplayExecutor(path, version="v1") as replay:
        good = replay.run(GOOD, {"train": FRAME.copy()})
        crash = replay.run(CRASH, {"train": FRAME})
    assert good.kind is OutcomeKind.OK and good.predictions == {"train": [0.0, 1.0, 1.0]}
    assert crash.kind is OutcomeKind.RUNTIME_ERROR and "missing" in crash.message
    assert replay.replayed == 2 and replay.description == "replayed: in-process runner (tests only)"


@pytest.mark.parametrize(
    ("code", "frames"),
    [
        (GOOD + "\n# changed\n", {"train": FRAME}),
        (GOOD, {"train": FRAME.assign(x=[-1.0, 2.0, 3.5])}),
        (GOOD, {"validation": FRAME}),
        (GOOD, {"train": FRAME.rename(columns={"x": "y"})}),
    ],
)
def test_any_other_call_is_refused_with_the_way_to_record_it(tmp_path: Path, code: str, frames: dict) -> None:
    with ReplayExecutor(recorded(tmp_path), version="v1") as replay, pytest.raises(SandboxError) as refused:
        replay.run(code, frames)
    assert "record it again (IBL_RECORD_EXECUTIONS=1" in str(refused.value)


def test_a_recording_of_another_sandbox_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="recorded with sandbox v1, not v2"):
        ReplayExecutor(recorded(tmp_path), version="v2")


def test_saving_twice_gives_the_same_file(tmp_path: Path) -> None:
    first = recorded(tmp_path).read_text()
    assert recorded(tmp_path).read_text() == first
