"""The experiment config: strict validation with one clear message, and the grid it expands into."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ibl_agents.errors import ConfigError
from ibl_agents.experiment.config import experiment_from_mapping, load_experiment
from ibl_agents.experiment.grid import expand
from tests.reference import SPLITS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "experiments"


def minimal(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": "grid",
        "replicates": 2,
        "datasets": [
            {
                "name": "moons",
                "path": "moon_{seed}_300_train.csv",
                "test_path": "moon_{seed}_300_test.csv",
                "target": "target",
                "seeds": [3655, 3656],
                "train_rows": [10, 20],
            }
        ],
        "models": ["local:qwen2.5-coder-0.5b", {"name": "remote", "generator": "openai:m", "base_url": "u"}],
        "strategies": [
            {"name": "one-shot", "strategy": "one-shot"},
            {"name": "no-critic", "strategy": "refine", "max_iters": 3, "feedback": ["tracebacks"]},
        ],
        "refine": {"loop": {"patience": 5, "max_iters": 7}, "models": {"temperature": 0.2}},
    }
    config.update(changes)
    return config


def rejected(values: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        expand(experiment_from_mapping(values, base_dir=SPLITS))
    return str(caught.value)


def test_grid_is_every_combination_replicate_major_with_settings_merged_in_order() -> None:
    cells = expand(experiment_from_mapping(minimal(), base_dir=SPLITS))

    assert len(cells) == 2 * 2 * 2 * (2 + 1) * 2  # seeds x sizes x models x (strategies + ICL) x replicates
    assert [cell.replicate for cell in cells] == [0] * 24 + [1] * 24
    assert [cell.strategy for cell in cells[:3]] == ["one-shot", "no-critic", "icl"]
    icl = cells[2]
    assert icl.kind == "icl" and icl.id == "moons-s3655-n10-local-qwen2.5-coder-0.5b-icl-r0"
    assert icl.config.loop.max_iters == 8 and icl.config.models.temperature == 0.2  # no loop; models shared
    first = cells[0]
    assert first.id == "moons-s3655-n10-local-qwen2.5-coder-0.5b-one-shot-r0"
    assert first.config.data.path == str(SPLITS / "moon_3655_300_train.csv")
    assert first.config.data.test_path == str(SPLITS / "moon_3655_300_test.csv")
    assert (first.config.data.seed, first.config.data.train_rows) == (3655, 10)
    ablation = next(
        c for c in cells if c.strategy == "no-critic" and c.model == "remote" and c.replicate == 1
    )
    loop, models = ablation.config.loop, ablation.config.models
    assert (loop.strategy, loop.max_iters, loop.patience, loop.feedback) == ("refine", 3, 5, ["tracebacks"])
    assert (models.generator, models.base_url, models.temperature, models.replicate) == (
        "openai:m",
        "u",
        0.2,
        1,
    )
    assert first.config.loop.max_iters == 7  # from `refine:` where the strategy says nothing
    assert len({cell.fingerprint() for cell in cells}) == len(cells)
    assert len(expand(experiment_from_mapping(minimal(icl=False), base_dir=SPLITS))) == 32


def test_settings_only_refine_reads_change_the_fingerprints_of_refine_cells_only() -> None:
    def fingerprints(loop: dict[str, Any]) -> dict[str, tuple[str, str]]:
        cells = expand(experiment_from_mapping(minimal(icl=True, refine={"loop": loop}), base_dir=SPLITS))
        return {cell.id: (cell.strategy, cell.fingerprint()) for cell in cells}

    before = fingerprints({})
    after = fingerprints({"feedback": ["tracebacks", "critic"], "fix_failures": False, "explore": 2})
    changed = {strategy for cell, (strategy, fingerprint) in before.items() if after[cell][1] != fingerprint}
    assert changed == {"no-critic"}  # a refine arm: stale; one-shot and ICL cells are kept


def test_server_tuning_leaves_cells_fresh_and_cut_off_score_hashes_as_before_it_existed() -> None:
    def fingerprints(refine: dict[str, Any]) -> list[str]:
        cells = expand(experiment_from_mapping(minimal(icl=False, refine=refine), base_dir=SPLITS))
        return [cell.fingerprint() for cell in cells]

    default = fingerprints({})
    assert fingerprints({"models": {"local_threads": 1, "local_prompt_cache_mb": 0}}) == default
    scored = fingerprints({"loop": {"cut_off": "score"}})
    assert scored != default
    # the cell as hashed before loop.cut_off existed: its settings without the key
    cell = expand(
        experiment_from_mapping(minimal(icl=False, refine={"loop": {"cut_off": "score"}}), base_dir=SPLITS)
    )[0]
    settings = {**cell.config.to_json(), "runs_dir": None}
    del settings["checkpoint_db"]
    for key in ("local_threads", "local_prompt_cache_mb"):
        del settings["models"][key]
    del settings["loop"]["cut_off"]
    if cell.config.loop.strategy != "refine":
        settings["loop"] = {
            k: v for k, v in settings["loop"].items() if k not in ("feedback", "fix_failures", "explore")
        }
    assert scored[0] == hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"replicate": 3}, "unknown key(s) replicate in the experiment config; allowed: name, datasets"),
        (
            {"strategies": [{"name": "r", "strategy": "refine", "max_iter": 2}]},
            "strategies[0] (r): unknown key(s) max_iter in [loop]; allowed: ",
        ),
        ({"strategies": [{"name": "r", "strategy": "refine-ish"}]}, "loop.strategy must be one of refine"),
        ({"strategies": [{"name": "r", "feedback": ["gossip"]}]}, "loop.feedback may hold only tracebacks"),
        ({"strategies": [{"name": "a"}, {"name": "a"}]}, "strategy name(s) a appear twice"),
        ({"strategies": [{"strategy": "refine"}]}, "strategies[0].name must be a name of letters"),
        ({"models": [{"name": "m", "generater": "openai:x"}]}, "models[0] (m): unknown key(s) generater"),
        ({"baselines": ["logistic_regression", "svm"]}, "unknown baseline(s) ['svm']; choose from: logistic"),
        ({"replicates": 0}, "replicates must be a whole number >= 1"),
        ({"icl": "yes"}, "icl must be true or false, not 'yes'"),
        ({"strategies": [{"name": "icl"}]}, "the strategy name icl is reserved for the ICL baseline"),
        ({"refine": {"runs_dir": "x"}}, "refine.runs_dir is set per cell by the grid"),
        ({"refine": {"data": {"target": "y"}}}, "refine.data.target is set per cell by the grid"),
        ({"refine": {"lop": {}}}, "refine: unknown key(s) lop in [top level]"),
        (
            {"strategies": [{"name": "r", "max_iters": "4"}]},
            "strategies[0] (r): loop.max_iters must be a whole number, not '4' (a string)",
        ),
        ({"datasets": []}, "datasets must be a non-empty list"),
        ({"name": "my grid"}, "name must be a name of letters, digits"),
    ],
)
def test_bad_config_names_the_key_and_the_fix(change: dict[str, Any], phrase: str) -> None:
    assert phrase in rejected(minimal(**change))


def test_bad_dataset_entries() -> None:
    dataset = minimal()["datasets"][0]
    message = rejected(minimal(datasets=[{**dataset, "trian_rows": [10]}]))
    assert message.startswith(
        "unknown key(s) trian_rows in datasets[0]; allowed: name, seeds, published, generate, path"
    )
    published = {"outcomes": "x.tsv", "trials": 3}
    assert "needs either `outcomes: FILE`" in rejected(
        minimal(datasets=[{**dataset, "published": published}])
    )
    missing = {"outcomes": "no_such.tsv"}
    assert "published.outcomes: file not found" in rejected(
        minimal(datasets=[{**dataset, "published": missing}])
    )


def test_yaml_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="experiment config not found"):
        load_experiment(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"cannot parse .*broken.yaml as YAML"):
        load_experiment(broken)


@pytest.mark.parametrize("name", ["paper_moons.yaml", "paper_titanic.yaml"])
def test_example_configs_expand_to_the_paper_grid(name: str) -> None:
    experiment = load_experiment(EXAMPLES / name)
    cells = expand(experiment)
    sizes = {cell.train_rows for cell in cells}
    assert sizes == ({10, 20, 30, 40, 50, 100, 200} if "moons" in name else {6, 8, 10, 20, 30, 40, 50})
    assert {cell.seed for cell in cells} == {3655, 3656, 3657}
    assert all(
        Path(cell.config.data.path).is_file() and Path(cell.config.data.test_path).is_file() for cell in cells
    )
    assert {cell.config.loop.strategy for cell in cells} == {"one-shot", "best-of-n", "refine"}
    assert all(cell.config.data.drop_leaks for cell in cells) == ("titanic" in name)
    assert yaml.safe_load(experiment.text)["name"] == experiment.name
