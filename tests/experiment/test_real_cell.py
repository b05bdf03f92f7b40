"""One cell through the real bundled model: `ibl experiment` with --model local over real HTTP, real Docker.

Asserts a finished cell and a report with its row, not a metric: the 0.5B model proves the path works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ibl_agents.experiment.store import DONE_MARKER, cell_dir
from ibl_agents.report import build_report
from tests.reference import SPLITS

pytestmark = [pytest.mark.docker, pytest.mark.llm]

CONFIG = f"""
name: real
replicates: 1
icl: false  # one cell: the ICL baseline has its own test through the real model
baselines: [logistic_regression]
datasets:
  - name: moons
    path: {SPLITS / "moon_3656_300_train.csv"}
    test_path: {SPLITS / "moon_3656_300_test.csv"}
    target: target
    train_rows: [20]
models:
  - local:qwen2.5-coder-0.5b
strategies:
  - {{name: refine, strategy: refine, max_iters: 1}}
refine:
  models: {{cache: false}}  # the real model must answer, not replies stored by an earlier test run
"""


def test_one_cell_through_the_local_model(tmp_path: Path, sandbox_image: str) -> None:
    config = tmp_path / "real.yaml"
    config.write_text(CONFIG)
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "experiment", str(config), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    directory = Path(result.stdout.strip().splitlines()[-1])
    assert directory == tmp_path / "runs" / "exp-real"
    cell = cell_dir(directory, "moons-n20-local-qwen2.5-coder-0.5b-refine-r0")
    marker = json.loads((cell / DONE_MARKER).read_text())
    summary = json.loads((cell / marker["run_dir"] / "summary.json").read_text())
    # streamed, the local server sends no usage: the model's own tokenizer counts (marked estimated)
    assert summary["tokens_used"] > 0 and summary["tokens_estimated"] and len(summary["candidates"]) == 1
    assert summary["generator_model"].startswith("local:qwen2.5-coder-0.5b")

    html = build_report(directory)
    markdown = (directory / "report.md").read_text()
    assert "| moons | 20 | local-qwen2.5-coder-0.5b | refine | 1 |" in markdown
    assert html.read_text().count("data:image/png;base64,") == 3
