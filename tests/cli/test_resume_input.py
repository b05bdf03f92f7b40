"""Bad input to `ibl resume` and `--checkpoint-db`: one clear line, exit 2, nothing written or started."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.errors import ConfigError
from ibl_agents.run.checkpoints import checked_checkpoint_db
from tests.cli.test_bad_input import assert_clean_failure, run_moons


def ibl_resume(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ibl_agents", "resume", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )


def one_error_line(result: subprocess.CompletedProcess[str], phrase: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0], result.stderr


def test_resume_of_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "somewhere").mkdir()
    one_error_line(ibl_resume(tmp_path, "somewhere"), "somewhere is not a run directory (no config.json")


def run_dir_without_checkpoints(tmp_path: Path, thread: bool) -> Path:
    """What a run leaves when killed before its first step (or written before checkpoint.json existed)."""
    run_dir = tmp_path / "runs" / "20250101-000000-early"
    run_dir.mkdir(parents=True)
    (run_dir / "config.json").write_text(json.dumps(RefineConfig().to_json()))
    (run_dir / "manifest.json").write_text("{}")
    if thread:
        (run_dir / "checkpoint.json").write_text(json.dumps({"thread_id": "t", "checkpoint_db": None}))
    return run_dir


def test_resume_without_a_checkpoint(tmp_path: Path) -> None:
    run_dir = run_dir_without_checkpoints(tmp_path, thread=True)
    one_error_line(ibl_resume(tmp_path, str(run_dir)), "has no checkpoints.sqlite: the run stopped before")
    assert not (run_dir / "checkpoints.sqlite").exists()


def test_resume_of_a_run_from_before_resume_existed(tmp_path: Path) -> None:
    run_dir = run_dir_without_checkpoints(tmp_path, thread=False)
    one_error_line(ibl_resume(tmp_path, str(run_dir)), "has no checkpoint.json: it was started by an older")


def test_checkpoint_db_with_a_password_is_refused(tmp_path: Path) -> None:
    result = run_moons(tmp_path, "--checkpoint-db", "postgresql://me:secret@db.example/runs")
    assert_clean_failure(result, tmp_path, "--checkpoint-db must not contain a password")
    assert "secret" not in result.stderr


def test_checkpoint_db_must_be_postgresql(tmp_path: Path) -> None:
    result = run_moons(tmp_path, "--checkpoint-db", "sqlite:///elsewhere.sqlite")
    assert_clean_failure(result, tmp_path, "--checkpoint-db must be a PostgreSQL URL such as postgresql://")


def test_unreachable_checkpoint_db_fails_before_anything_is_written(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    result = run_moons(tmp_path, "--checkpoint-db", f"postgresql://me@127.0.0.1:{port}/runs")
    assert_clean_failure(
        result, tmp_path, f"cannot use the checkpoint database postgresql://me@127.0.0.1:{port}"
    )


def test_missing_postgres_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langgraph.checkpoint.postgres", None)  # import fails as if absent
    with pytest.raises(ConfigError, match=r"pip install 'ibl-agents\[postgres\]'"):
        checked_checkpoint_db("postgresql://me@localhost/runs")
