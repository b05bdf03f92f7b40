"""`ibl score --task` through the real command and the real sandbox, on iris (scikit-learn's copy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris

pytestmark = pytest.mark.docker

# Columns are named by class, in reverse order: the runner puts them in the stated order.
NEAREST_MEAN = """
import numpy as np
import pandas as pd

CENTRES = {'setosa': 1.46, 'versicolor': 4.26, 'virginica': 5.55}

def predict(df):
    distance = pd.DataFrame({name: (df['petal_length'] - c) ** 2 for name, c in reversed(CENTRES.items())})
    e = np.exp(-distance)
    return e.div(e.sum(axis=1), axis=0)
"""
RAW_SCORES = "def predict(df):\n    return df[['petal_length', 'petal_width', 'sepal_width']] - 3\n"


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = iris.target_names[frame.pop("target")]
    path = tmp_path_factory.mktemp("iris") / "iris.csv"
    frame.to_csv(path, index=False)
    return path


def ibl_score(model: str, data: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "model.py"
    path.write_text(model, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "ibl_agents",
        "score",
        str(path),
        "--data",
        str(data),
        "--target",
        "species",
    ]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


def test_class_probabilities_score_with_the_multiclass_metrics(iris_csv: Path, tmp_path: Path) -> None:
    result = ibl_score(NEAREST_MEAN, iris_csv, tmp_path, "--task", "multiclass", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "ok" and list(report["metrics"]) == ["macro_f1", "accuracy", "log_loss"]
    assert report["metrics"]["accuracy"] > 0.9  # the reversed columns were put back in class order
    plain = ibl_score(NEAREST_MEAN, iris_csv, tmp_path)  # auto: three labels are multiclass
    assert plain.returncode == 0 and plain.stdout.startswith("ok  macro_f1 0.9")


def test_negative_probabilities_fail_naming_the_softmax(iris_csv: Path, tmp_path: Path) -> None:
    result = ibl_score(RAW_SCORES, iris_csv, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("invalid_output: returned negative probabilities")
    assert "softmax" in result.stdout


def test_a_task_that_does_not_fit_the_target_is_bad_input(iris_csv: Path, tmp_path: Path) -> None:
    result = ibl_score(NEAREST_MEAN, iris_csv, tmp_path, "--task", "regression")
    assert result.returncode == 2
    assert "is not numeric ('setosa'); regression needs numbers" in result.stderr


def test_regression_through_the_command(tmp_path: Path) -> None:
    data = tmp_path / "line.csv"
    pd.DataFrame({"x": range(20), "species": [2.5 * x + 0.1 for x in range(20)]}).to_csv(data, index=False)
    result = ibl_score("def predict(df):\n    return 2.5 * df['x']\n", data, tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["rmse"] == pytest.approx(0.1) and metrics["mae"] == pytest.approx(0.1)
