"""The results the README quotes rerun from their committed reply cache: a cell of each committed
experiment replays through the real sandbox with every reply from the cache, to the same test AUC."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ibl_agents.experiment.store import DONE_MARKER, cell_dir

pytestmark = [pytest.mark.docker, pytest.mark.llm]
ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted(path.parent.name for path in (ROOT / "results").glob("*/cells.csv"))


@pytest.mark.parametrize("name", COMMITTED)
def test_a_refine_cell_replays_from_the_committed_cache(
    name: str, tmp_path: Path, sandbox_image: str
) -> None:
    cells = pd.read_csv(ROOT / "results" / name / "cells.csv")
    cell = cells[cells["ok"] & cells["strategy"].str.startswith("refine")].iloc[0]
    config = yaml.safe_load((ROOT / "examples" / "experiments" / f"{name}.yaml").read_text())
    config["datasets"] = [
        {**entry, "seeds": [int(cell["seed"])]}
        for entry in config["datasets"]
        if entry["name"] == cell["dataset"]
    ]
    config["strategies"] = [entry for entry in config["strategies"] if entry["name"] == cell["strategy"]]
    for entry in config["datasets"]:  # paths relative to the examples folder, now read from tmp_path
        for key in ("path", "test_path"):
            if key in entry:
                entry[key] = str((ROOT / "examples" / "experiments" / entry[key]).resolve())
    cache = tmp_path / "replies.sqlite"
    shutil.copy(
        ROOT / "results" / name / "replies.sqlite", cache
    )  # a replay must not touch the committed file
    config["refine"]["models"]["cache_path"] = str(cache)
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "experiment", "one.yaml", "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    folder = cell_dir(tmp_path / "runs" / f"exp-{config['name']}", str(cell["cell"]))
    run_dir = folder / json.loads((folder / DONE_MARKER).read_text())["run_dir"]
    summary = json.loads((run_dir / "summary.json").read_text())
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    calls = sum(event.get("attempts", 1) for event in events if event["event"] == "generated")
    assert calls > 0 and summary["replayed_replies"] == calls  # zero model calls
    assert summary["test"]["auc"] == pytest.approx(float(cell["test_auc"]), abs=1e-12)
