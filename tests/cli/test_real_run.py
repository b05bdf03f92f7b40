"""The whole product on real parts: `ibl run --model local` through real HTTP and real Docker.

Asserts a complete run directory and an importable best_model.py, not a metric threshold: the bundled
1.5B model is here to prove the path works, not to be good.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sandbox.docker_executor import DockerExecutor
from sandbox.results import OutcomeKind
from tests.reference import SPLITS

pytestmark = [pytest.mark.docker, pytest.mark.llm]


def test_ibl_run_with_the_local_model(tmp_path: Path, sandbox_image: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ibl_agents",
            "run",
            str(SPLITS / "moon_3656_300_train.csv"),
            "--test",
            str(SPLITS / "moon_3656_300_test.csv"),
            "--target",
            "target",
            "--train-rows",
            "20",
            "--model",
            # the 0.5B wrote no valid model in 4 tries once requests carry seed = replicate (0)
            "local:qwen2.5-coder-1.5b",
            "--max-iters",
            "4",
            "--patience",
            "4",
            "--no-cache",  # the real model must answer, not replies stored by an earlier test run
            "--runs-dir",
            str(tmp_path / "runs"),
        ],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    assert run_dir.is_dir() and run_dir.parent == tmp_path / "runs"
    summary = json.loads((run_dir / "summary.json").read_text())
    # streamed, the local server sends no usage: the model's own tokenizer counts (marked estimated)
    assert summary["ok"] and summary["tokens_used"] > 0 and summary["tokens_estimated"]
    assert set(summary["test"]) == {"auc", "accuracy"}
    assert summary["baselines"]["logistic_regression"]["test"]["auc"] > 0.5
    # NNNN.py per iteration; a repaired candidate also keeps NNNN.as_written.py
    candidates = sorted(p.name for p in (run_dir / "candidates").glob("[0-9][0-9][0-9][0-9].py"))
    assert len(candidates) == summary["iterations"]
    # Once a candidate is valid, the real model is asked with the revise prompt, or the fix prompt after
    # a failure; neither carries the row sample.
    first_valid = next(i for i, c in enumerate(summary["candidates"], start=1) if c["kind"] == "ok")
    for later in range(first_valid + 1, summary["iterations"] + 1):
        prompt = (run_dir / "candidates" / f"{later:04d}.prompt.txt").read_text()
        assert "The best code so far" in prompt or "Fix exactly this error" in prompt, prompt[-1500:]
        assert "training rows (CSV)" not in prompt
    for name in ("config.json", "manifest.json", "events.jsonl", "checkpoints.sqlite", "best_model.py"):
        assert (run_dir / name).is_file(), name

    # best_model.py is still LLM-written: prove it is standalone by importing it in the sandbox only.
    test_frame = pd.read_csv(SPLITS / "moon_3656_300_test.csv").drop(columns=["target"])
    with DockerExecutor(image=sandbox_image) as executor:
        outcome = executor.run((run_dir / "best_model.py").read_text(), {"test": test_frame})
    assert outcome.kind is OutcomeKind.OK, outcome.message
    assert len(outcome.predictions["test"]) == len(test_frame)
