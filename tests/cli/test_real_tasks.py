"""Multiclass (iris) and regression (diabetes) through `ibl run` with the real 1.5B model, HTTP and Docker.

Both tables ship with scikit-learn; they are written to CSV here. Asserts a valid model and a complete run
directory, not a metric threshold: the bundled model proves the path works (the 0.5B rarely writes valid
code). Short on purpose: 30 train rows, two iterations.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris

from sandbox.docker_executor import DockerExecutor
from sandbox.results import OutcomeKind

pytestmark = [pytest.mark.docker, pytest.mark.llm]


def _iris(folder: Path) -> Path:
    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = iris.target_names[frame.pop("target")]
    path = folder / "iris.csv"
    frame.sample(frac=1, random_state=0).to_csv(path, index=False)  # --train-rows takes the first rows
    return path


def _diabetes(folder: Path) -> Path:
    path = folder / "diabetes.csv"
    load_diabetes(as_frame=True, scaled=False).frame.to_csv(path, index=False)
    return path


def _ibl_run(data: Path, target: str, folder: Path) -> dict:
    command = [sys.executable, "-m", "ibl_agents", "run", str(data), "--target", target, "--train-rows", "30"]
    command += ["--model", "local:qwen2.5-coder-1.5b", "--max-iters", "2", "--patience", "2", "--no-cache"]
    result = subprocess.run(
        [*command, "--runs-dir", str(folder / "runs")],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    assert run_dir.parent == folder / "runs"
    for name in ("config.json", "manifest.json", "events.jsonl", "checkpoints.sqlite", "best_model.py"):
        assert (run_dir / name).is_file(), name
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["ok"] and summary["tokens_used"] > 0
    assert len(list((run_dir / "candidates").glob("*.py"))) == summary["iterations"]
    return summary


def test_iris_is_multiclass_end_to_end(tmp_path: Path, sandbox_image: str) -> None:
    data = _iris(tmp_path)
    summary = _ibl_run(data, "species", tmp_path)
    assert (summary["task"], summary["metric"]) == ("multiclass", "macro_f1")
    assert set(summary["test"]) == {"macro_f1", "accuracy", "log_loss"}
    assert summary["baselines"]["logistic_regression"]["test"]["accuracy"] > 0.8
    run_dir = Path(summary["run_dir"])
    predictions = json.loads((run_dir / "predictions.json").read_text())
    assert predictions["classes"] == ["setosa", "versicolor", "virginica"]
    assert np.asarray(predictions["best"]).shape == (len(predictions["test_rows"]), 3)

    features = pd.read_csv(data).drop(columns=["species"])
    with DockerExecutor(image=sandbox_image) as executor:  # best_model.py is LLM-written: sandbox only
        outcome = executor.run(
            (run_dir / "best_model.py").read_text(), {"all": features}, predictions["classes"]
        )
    assert outcome.kind is OutcomeKind.OK, outcome.message
    assert np.allclose(np.asarray(outcome.predictions["all"]).sum(axis=1), 1, atol=0.02)


def test_diabetes_is_regression_end_to_end(tmp_path: Path, sandbox_image: str) -> None:
    data = _diabetes(tmp_path)
    summary = _ibl_run(data, "target", tmp_path)
    assert (summary["task"], summary["metric"]) == ("regression", "r2")
    assert set(summary["test"]) == {"r2", "rmse", "mae"}
    assert "ridge_regression" in summary["baselines"] and "linear_svr" in summary["baselines"]
    run_dir = Path(summary["run_dir"])
    features = pd.read_csv(data).drop(columns=["target"])
    with DockerExecutor(image=sandbox_image) as executor:
        outcome = executor.run((run_dir / "best_model.py").read_text(), {"all": features})
    assert outcome.kind is OutcomeKind.OK, outcome.message
    assert np.isfinite(outcome.predictions["all"]).all() and len(outcome.predictions["all"]) == len(features)
