"""Resume rules of the experiment directory, and how `ibl experiment` fails on bad input."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ibl_agents.errors import ConfigError, ExperimentError
from ibl_agents.experiment.config import experiment_from_mapping
from ibl_agents.experiment.grid import Cell, expand
from ibl_agents.experiment.ray_runner import run_on_ray
from ibl_agents.experiment.runner import run_experiment
from ibl_agents.experiment.store import (
    DONE_MARKER,
    LOCK,
    cell_dir,
    exclusive,
    finished,
    mark_finished,
    prepare,
    read_plan,
)
from tests.reference import SPLITS


def grid(replicates: int = 1, max_iters: int = 2) -> list[Cell]:
    config = {
        "name": "resume",
        "replicates": replicates,
        "icl": False,
        "datasets": [{"name": "moons", "path": "moon_3656_300_train.csv", "target": "target"}],
        "models": ["openai:m"],
        "strategies": [
            {"name": "one-shot", "strategy": "one-shot"},
            {"name": "refine", "max_iters": max_iters},
        ],
    }
    experiment = experiment_from_mapping(config, base_dir=SPLITS)
    return expand(experiment)


def finish(directory: Path, cell: Cell) -> Path:
    run_dir = cell_dir(directory, cell.id) / f"20260101-000000-{cell.id}"
    run_dir.mkdir(parents=True)
    (run_dir / "summary.json").write_text("{}")
    mark_finished(directory, cell, run_dir, {"ok": True})
    return run_dir


def test_prepare_keeps_finished_cells_and_deletes_half_run_ones(tmp_path: Path) -> None:
    cells = grid()
    done = finish(tmp_path, cells[0])
    half = cell_dir(tmp_path, cells[1].id) / "20260101-000000-half"
    half.mkdir(parents=True)
    unsummarized = finish(tmp_path, cells[1]) / "summary.json"
    unsummarized.unlink()  # a marker without the run's summary does not count either

    todo = prepare(tmp_path, "name: resume\n", {"name": "resume"}, cells)

    assert [cell.id for cell in todo] == [cells[1].id]
    assert done.is_dir() and finished(tmp_path, cells[0].id)["run_dir"] == str(done)
    assert not cell_dir(tmp_path, cells[1].id).exists()
    description, plan = read_plan(tmp_path)
    assert description == {"name": "resume"} and [entry["id"] for entry in plan] == [c.id for c in cells]


def test_more_replicates_extend_a_finished_grid(tmp_path: Path) -> None:
    for cell in grid(replicates=1):
        finish(tmp_path, cell)
    todo = prepare(tmp_path, "", {}, grid(replicates=2))
    assert [cell.replicate for cell in todo] == [1, 1]


def test_a_changed_setting_refuses_to_mix_in_stale_cells(tmp_path: Path) -> None:
    for cell in grid():
        finish(tmp_path, cell)
    with pytest.raises(ConfigError) as caught:
        prepare(tmp_path, "", {}, grid(max_iters=3))
    message = str(caught.value)
    assert "1 finished cell(s) of" in message and "moons-openai-m-refine-r0" in message
    assert "rename the experiment, or delete" in message
    assert (cell_dir(tmp_path, grid()[1].id) / DONE_MARKER).is_file()  # nothing was deleted


def test_one_process_per_directory(tmp_path: Path) -> None:
    with exclusive(tmp_path):
        with (
            pytest.raises(ConfigError, match=r"another `ibl experiment` \(.* pid \d+\) is working in"),
            exclusive(tmp_path),
        ):
            pass
        assert (tmp_path / LOCK).is_file()
    assert not (tmp_path / LOCK).exists()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / LOCK).write_text(f"{socket.gethostname()}:{dead.stdout.strip()}")
    with exclusive(tmp_path):  # left by a process that is gone: taken over
        assert (tmp_path / LOCK).read_text().endswith(f":{os.getpid()}")


def test_bad_executor_and_workers(tmp_path: Path) -> None:
    experiment = experiment_from_mapping(
        {"name": "x", "datasets": [{"name": "d", "path": "d.csv", "target": "y"}], "models": ["openai:m"],
         "strategies": [{"name": "s"}]},
        base_dir=tmp_path,
    )  # fmt: skip
    with pytest.raises(ConfigError, match="executor must be one of local, ray, not 'dask'"):
        run_experiment(experiment, runs_dir=tmp_path, executor="dask")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="workers must be >= 1"):
        run_experiment(experiment, runs_dir=tmp_path, workers=0)
    assert not (tmp_path / "exp-x").exists()


def test_ray_missing_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` sees without the package
    with pytest.raises(ExperimentError, match=r"--executor ray needs Ray: pip install 'ibl-agents\[ray\]'"):
        run_on_ray([], tmp_path, 1, None, print)


def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "grid.yaml"
    config.write_text(
        "name: g\ndatasets: [{name: d, path: missing.csv, target: y}]\nmodels: [openai:m]\n"
        "strategies: [{name: s, strategy: one-shot}]\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "experiment", str(config), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: data file not found:"), result.stderr
    assert not (tmp_path / "runs").exists()
