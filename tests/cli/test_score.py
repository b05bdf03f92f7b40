"""`ibl score` through the real command: GPT-4 replies from the paper, broken files, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ibl_agents.loop.artifacts import best_model_source
from sandbox.daemon import connect
from sandbox.reaping import leaked_containers
from tests.reference import GPT4_TITANIC, SPLITS

TEST_CSV = SPLITS / "titanic_3655_300_test.csv"
AUTHORS_AUC = 0.9543829543829545  # titanic_3655_6_14 in titanic_outcomes.tsv


def ibl_score(model: Path, *args: str, target: str = "survived") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ibl_agents", "score", str(model), "--data", str(TEST_CSV)]
    return subprocess.run([*command, "--target", target, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """The command must remove its container, even when the model fails."""
    client = connect()
    before = {c["Id"] for c in leaked_containers(client)}
    yield
    after = {c["Id"] for c in leaked_containers(client)}
    client.close()
    assert after <= before, f"ibl score left containers behind: {sorted(after - before)}"


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_plain_code_model_matches_the_authors_auc() -> None:
    result = ibl_score(GPT4_TITANIC / "titanic_3655_6_14.py", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "ok" and report["extracted"] is False
    assert report["metrics"]["auc"] == pytest.approx(AUTHORS_AUC, abs=1e-9)


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_a_runs_own_best_model_is_scored_as_written(tmp_path: Path) -> None:
    """A best_model.py opens with its provenance docstring: it is Python, not a reply to extract from."""
    source = (GPT4_TITANIC / "titanic_3655_6_14.py").read_text()
    model = tmp_path / "best_model.py"
    model.write_text(best_model_source(source, {"run": "runs/x", "target": "survived"}))
    result = ibl_score(model, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["extracted"] is False and report["dropped_lines"] == []
    assert report["metrics"]["auc"] == pytest.approx(AUTHORS_AUC, abs=1e-9)


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_raw_reply_with_prose_is_extracted_and_scored() -> None:
    reply = GPT4_TITANIC / "titanic_3655_6_4.py"  # the authors recorded it as an import error
    assert reply.read_text().startswith("Here is a simple Python code")
    result = ibl_score(reply)
    assert result.returncode == 0, result.stderr
    head, note = result.stdout.splitlines()[:2]
    assert head.startswith("ok  auc 0.5514  accuracy "), result.stdout
    assert note == "code extracted from a reply with prose or fences"


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_model_failing_at_run_time_exits_1_with_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def predict(df):\n    return df['no_such_column'] * 0.5\n")
    result = ibl_score(broken, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "runtime_error" and report["metrics"] == {}
    assert "KeyError: 'no_such_column'" in report["message"]


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_syntax_error_exits_1_without_running(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def predict(df)\n    return 0.5\n")
    result = ibl_score(broken)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("syntax_error: syntax error at line 1"), result.stdout


@pytest.mark.parametrize(
    ("model", "target", "phrase"),
    [
        (Path("missing.py"), "survived", "code model file not found: missing.py"),
        (GPT4_TITANIC / "titanic_3655_6_14.py", "label", "target column 'label' not in"),
    ],
)
def test_bad_input_exits_2_with_one_line(model: Path, target: str, phrase: str) -> None:
    result = ibl_score(model, target=target)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0], result.stderr


@pytest.mark.docker
@pytest.mark.usefixtures("no_leaks")
def test_escape_codes_in_a_failing_models_message_are_printed_as_text(tmp_path: Path) -> None:
    model = tmp_path / "sneaky.py"
    model.write_text("def predict(df):\n    raise ValueError('\\x1b[2K\\x1b[1A\\rok auc 1.0000')\n")
    result = ibl_score(model)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout
    assert "\\x1b[2K" in result.stdout  # shown, as text
