"""A cell that ended on a provider or sandbox error is not a result: it is not marked finished, the run
says so, and the next `ibl experiment` runs it again. (Before, an unreachable model server's cells were
stored as finished, never retried, and the report showed 0 % valid with "p < 0.001".)"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibl_agents.experiment.runner import run_experiment
from ibl_agents.experiment.store import DONE_MARKER, cell_dir
from tests.fakes import fenced
from tests.fault_server import SERVER_ERROR, FaultServer

pytestmark = pytest.mark.docker

CODE = fenced("def predict(df):\n    return (df['x1'] > 0).astype(float)\n")


def one_cell_experiment(folder: Path, base_url: str) -> Path:
    x1 = [(-1) ** i * (i + 1) / 10 for i in range(40)]
    pd.DataFrame({"x1": x1, "y": [int(v > 0) for v in x1]}).to_csv(folder / "d.csv", index=False)
    config = folder / "one.yaml"
    config.write_text(
        f"""
name: one
replicates: 1
icl: false
baselines: [logistic_regression]
datasets:
  - {{name: d, path: d.csv, target: y}}
models:
  - {{name: fake, generator: "openai:fake", base_url: "{base_url}", timeout_s: 3}}
strategies:
  - {{name: one-shot, strategy: one-shot}}
refine:
  models: {{cache: false}}
"""
    )
    return config


def test_a_provider_error_cell_runs_again_and_then_counts(tmp_path: Path, fault_server: FaultServer) -> None:
    config = one_cell_experiment(tmp_path, fault_server.base_url)
    fault_server.script = [SERVER_ERROR] * 3  # one call and both of the client's retries fail
    first = run_experiment(config, runs_dir=tmp_path / "runs", log=lambda _: None)
    (outcome,) = first.ran
    assert outcome.infrastructure_failure == "provider_error"
    assert "is not a result; it runs again on the next `ibl experiment`" in outcome.line()
    assert not (cell_dir(first.directory, outcome.cell_id) / DONE_MARKER).exists()

    fault_server.script, fault_server.default = [], CODE  # the server is back
    second = run_experiment(config, runs_dir=tmp_path / "runs", log=lambda _: None)
    (again,) = second.ran
    assert again.cell_id == outcome.cell_id and again.infrastructure_failure is None and again.ok
    assert (cell_dir(second.directory, again.cell_id) / DONE_MARKER).is_file()
    assert run_experiment(config, runs_dir=tmp_path / "runs", log=lambda _: None).ran == []
