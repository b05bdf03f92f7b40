"""`ibl explain`: static facts about a run's code model plus an LLM's reading, on a real run directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ibl_agents.inspection.explain import explain, load_run_model
from ibl_agents.models.scripted import ScriptedChatModel
from sandbox.docker_executor import DockerExecutor
from tests.graph.test_refinement import PERFECT, _run

pytestmark = pytest.mark.docker
READING = "- predicts 1 when x1 is above 0, otherwise 0"


@pytest.fixture
def run_dir(tmp_path: Path, signal_frame: pd.DataFrame, docker_executor: DockerExecutor) -> Path:
    summary, _, _ = _run(tmp_path, signal_frame, docker_executor, [PERFECT], max_iters=1)
    return Path(summary.run_dir)


def _ibl_explain(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ibl_agents", "explain", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def test_explain_separates_static_facts_from_the_models_reading(run_dir: Path) -> None:
    chat = ScriptedChatModel(script=[READING])
    result = explain(load_run_model(run_dir), chat, "scripted")
    assert result.columns_read == ["x1"] and result.columns_not_named == ["x2", "row_code"]
    assert result.explanation == READING and result.explained_by == "scripted"
    (prompt,) = chat.prompts
    assert "df['x1'] > 0" in prompt and "reads these columns: x1." in prompt
    assert json.loads((run_dir / "explanation.json").read_text()) == result.to_json()


def test_no_llm_json_names_the_columns_and_asks_no_model(run_dir: Path) -> None:
    result = _ibl_explain(str(run_dir), "--no-llm", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["columns_read"] == ["x1"] and printed["explanation"] is None


def test_a_missing_candidate_or_a_non_run_directory_is_one_clear_error(run_dir: Path, tmp_path: Path) -> None:
    missing = _ibl_explain(str(run_dir), "--candidate", "0042", "--no-llm")
    assert missing.returncode == 2 and "0042.py does not exist" in missing.stderr
    not_a_run = _ibl_explain(str(tmp_path), "--no-llm")
    assert not_a_run.returncode == 2 and "is not a run directory" in not_a_run.stderr


@pytest.mark.llm
def test_the_local_model_explains_the_code_in_plain_language(run_dir: Path) -> None:
    result = _ibl_explain(str(run_dir), "--model", "local:qwen2.5-coder-0.5b", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["explained_by"].startswith("local:qwen2.5-coder-0.5b")
    assert "x1" in printed["explanation"]  # the only column the code reads
