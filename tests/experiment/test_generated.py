"""Generated datasets in experiment configs: strict validation, deterministic files laid out like the
paper's moons splits, stable cell fingerprints, and files written before any cell runs."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ibl_agents.errors import ConfigError
from ibl_agents.experiment import runner
from ibl_agents.experiment.config import experiment_from_mapping, load_experiment
from ibl_agents.experiment.generated import place_generated, write_generated
from ibl_agents.experiment.grid import Cell, expand
from tests.experiment.test_config import EXAMPLES
from tests.reference import SPLITS

PAPER_COLUMNS = list(pd.read_csv(SPLITS / "moon_3655_300_train.csv", nrows=0).columns)


def config(**dataset: Any) -> dict[str, Any]:
    entry = {
        "name": "moons",
        "generate": {"kind": "moons", "noise": 0.3, "rows": 40, "test_rows": 30},
        "seeds": {"first": 100, "count": 3},
        "train_rows": [10],
        **dataset,
    }
    return {
        "name": "gen",
        "replicates": 1,
        "icl": False,
        "datasets": [{key: value for key, value in entry.items() if value is not None}],
        "models": ["openai:m"],
        "strategies": [{"name": "one-shot", "strategy": "one-shot"}],
    }


def placed(values: dict[str, Any], directory: Path) -> tuple[list[Cell], dict[Path, str]]:
    experiment, files = place_generated(experiment_from_mapping(values, base_dir=directory), directory)
    return expand(experiment), files


def frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_each_seed_is_a_train_and_a_test_file_like_the_papers_moons(tmp_path: Path) -> None:
    cells, files = placed(config(), tmp_path)
    assert [cell.seed for cell in cells] == [100, 101, 102]
    first = cells[0].config.data
    assert (first.target, first.seed, first.train_rows) == ("target", 100, 10)
    assert Path(first.path).parent == tmp_path / "data" and Path(first.path).name.startswith("moons-s100-")
    train, test = frame(files[Path(first.path)]), frame(files[Path(first.test_path or "")])
    assert list(train.columns) == list(test.columns) == PAPER_COLUMNS == ["Feature_1", "Feature_2", "target"]
    assert (len(train), len(test)) == (40, 30)
    assert train["target"].tolist() == [1, 0] * 20  # interleaved: the first n rows shown are balanced
    assert test["target"].sum() == 15
    assert (train[["Feature_1", "Feature_2"]] == train[["Feature_1", "Feature_2"]].round(3)).all().all()
    # every file differs: train from test, and every seed from every other
    assert len(set(files.values())) == 6 and len(files) == 6


def test_same_seed_and_settings_give_the_same_bytes_and_fingerprints(tmp_path: Path) -> None:
    cells, files = placed(config(), tmp_path)
    again, files_again = placed(config(), tmp_path)
    assert files == files_again
    assert [cell.fingerprint() for cell in cells] == [cell.fingerprint() for cell in again]
    noisier, _ = placed(
        config(generate={"kind": "moons", "noise": 0.31, "rows": 40, "test_rows": 30}), tmp_path
    )
    # other data, another path: the finished cells of the old data would be stale, not mixed in
    assert all(a.config.data.path != b.config.data.path for a, b in zip(cells, noisier, strict=True))
    assert all(a.fingerprint() != b.fingerprint() for a, b in zip(cells, noisier, strict=True))

    write_generated(files)
    assert {path: path.read_bytes() for path in files} == {
        path: text.encode() for path, text in files.items()
    }
    for path in files:
        os.utime(path, ns=(0, 0))
    write_generated(files)  # a rerun finds them (their names hold the digest) and leaves them alone
    assert {path.stat().st_mtime_ns for path in files} == {0}


@pytest.mark.parametrize("kind", ["moons", "circles", "xor"])
def test_kinds_draw_their_shapes(kind: str, tmp_path: Path) -> None:
    generate = {"kind": kind, "noise": 0.0, "rows": 200, "test_rows": 10}
    cells, files = placed(config(generate=generate, seeds=[7]), tmp_path)
    train = frame(files[Path(cells[0].config.data.path)])
    x1, x2, label = train["Feature_1"].to_numpy(), train["Feature_2"].to_numpy(), train["target"].to_numpy()
    if kind == "moons":  # the outer moon (0) around (0, 0), the inner one (1) around (1, 0.5), radius 1
        center = np.where(label[:, None] == 1, [1.0, 0.5], [0.0, 0.0])
        assert np.hypot(x1 - center[:, 0], x2 - center[:, 1]) == pytest.approx(1, abs=2e-3)
        assert (x2[label == 0] >= -1e-3).all() and (x2[label == 1] <= 0.5 + 1e-3).all()
    elif kind == "circles":  # the outer circle (0) of radius 1, the inner one (1) of radius 0.8
        assert np.hypot(x1, x2) == pytest.approx(np.where(label == 1, 0.8, 1.0), abs=2e-3)
    else:
        assert ((x1 * x2 > 0) == (label == 1)).all()
        assert (np.abs(x1) <= 1).all() and (np.abs(x2) <= 1).all()


def test_seed_range_is_a_list_for_any_dataset() -> None:
    values = config(generate=None, seeds={"first": 3655, "count": 2}, path="moon_{seed}_300_train.csv")
    values["datasets"][0] |= {"target": "target", "test_path": "moon_{seed}_300_test.csv"}
    cells = expand(experiment_from_mapping(values, base_dir=SPLITS))
    assert [Path(cell.config.data.path).name for cell in cells] == [
        "moon_3655_300_train.csv",
        "moon_3656_300_train.csv",
    ]


WHERE = "datasets[0] (moons)"


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (
            {"generate": {"kind": "moons", "noise": 0.3, "size": 9}},
            f"unknown key(s) size in {WHERE}.generate; allowed: kind, noise, rows, test_rows",
        ),
        (
            {"generate": {"kind": "spirals", "noise": 0.3}},
            f"{WHERE}.generate: kind must be one of moons, circles, xor, not 'spirals'",
        ),
        ({"generate": {"kind": "xor"}}, "generate: noise must be a number >= 0"),
        ({"generate": {"kind": "xor", "noise": -1}}, "generate: noise must be a number >= 0"),
        (
            {"generate": {"kind": "xor", "noise": 0, "rows": 2.5}},
            "generate: rows must be a whole number >= 4",
        ),
        ({"generate": {"kind": "xor", "noise": 0, "test_rows": 1}}, "test_rows must be a whole number >= 2"),
        ({"path": "a.csv"}, "generate: the files are generated, so remove path (or generate)"),
        ({"target": "y"}, "generate: the label column is target; remove target"),
        ({"seeds": None}, "generate: one split per seed: add seeds: [...] or seeds: {first: N, count: K}"),
        ({"seeds": {"first": 1, "count": 0}}, "seeds as a range needs whole numbers first and count >= 1"),
        ({"seeds": {"first": 1, "last": 9}}, f"unknown key(s) last in {WHERE}.seeds; allowed: first, count"),
        ({"seeds": [1, "2"]}, f"{WHERE}.seeds must be whole numbers (or {{first: N, count: K}})"),
        ({"generate": "moons"}, f"{WHERE}.generate must be a mapping of settings, not str"),
    ],
)
def test_bad_generate_entries_name_the_key_and_the_fix(
    change: dict[str, Any], phrase: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        experiment_from_mapping(config(**change), base_dir=tmp_path)
    assert phrase in str(caught.value)


def test_unplaced_generated_datasets_are_not_expanded(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"dataset\(s\) \['moons'\] are generated: call generated.place_generated"
    ):
        expand(experiment_from_mapping(config(), base_dir=tmp_path))


def test_files_are_written_and_loaded_before_any_cell_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def run_nothing(cells: list[Cell], directory: Path, workers: int, log: Any) -> list[Any]:
        seen.extend(
            Path(cell.config.data.path).is_file() and Path(cell.config.data.test_path or "").is_file()
            for cell in cells
        )
        return []

    monkeypatch.setattr(runner, "_run_locally", run_nothing)
    experiment = experiment_from_mapping(config(), base_dir=tmp_path)
    result = runner.run_experiment(experiment, runs_dir=tmp_path, log=lambda _: None)
    assert seen == [True, True, True]
    assert sorted(path.name for path in (result.directory / "data").iterdir()) == sorted(
        Path(p).name
        for cell in result.cells
        for p in (cell.config.data.path, cell.config.data.test_path or "")
    )


def test_generated_moons_example_expands_to_twenty_splits(tmp_path: Path) -> None:
    experiment, files = place_generated(load_experiment(EXAMPLES / "generated_moons.yaml"), tmp_path)
    cells = expand(experiment)
    assert sorted({cell.seed for cell in cells}) == list(range(100, 120)) and len(files) == 40
    assert {(cell.train_rows, cell.model, cell.strategy, cell.kind) for cell in cells} == {
        (40, "local-qwen2.5-coder-1.5b", strategy, "code") for strategy in ("one-shot", "refine")
    }
    assert all(cell.config.data.test_path for cell in cells)
