"""Scaffold levels and aids: what each level hands the LLM, what each switch turns off, and the prompts of
the bare level (snapshots beside the full level's in snapshots/)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from ibl_agents.agents.critic import Evidence
from ibl_agents.agents.generator import (
    BestSoFar,
    fix_prompt,
    generate,
    generator_prompt,
    revise_prompt,
    train_constants,
)
from ibl_agents.config import PRESETS, RefineConfig, apply_overrides
from ibl_agents.data.dataset import load_dataset
from ibl_agents.errors import ConfigError
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.scaffold import AIDS, LEVELS, enabled_aids, scaffold_name
from sandbox.results import OutcomeKind
from tests.core.test_prompts import _check
from tests.fakes import fenced

OWN_CONSTANT = "MIDPOINT = {'x': 5.0}\n\ndef predict(df):\n    return (df['x'] > MIDPOINT['x']).astype(float)"


def _dataset():
    x = np.linspace(-2, 2, 20)
    frame = pd.DataFrame({"x": x.round(3), "z": np.zeros(20), "color": ["red", "blue"] * 10})
    return load_dataset(frame.assign(y=(x > 0).astype(int)), "y")


def test_each_level_adds_aids_to_the_one_before() -> None:
    levels = list(LEVELS.values())
    assert levels[0] == () and levels[-1] == AIDS
    assert all(set(smaller) < set(larger) for smaller, larger in itertools.pairwise(levels))


def test_switches_take_aids_away_or_state_them_exactly() -> None:
    assert "error_region" not in enabled_aids("full", None, ["error_region"])
    assert enabled_aids("bare", ["constants"], []) == ("constants",)
    assert scaffold_name("full", None, ["error_region"]) == "full-error_region"
    assert scaffold_name("bare", ["constants"], []) == "custom"
    assert scaffold_name("statistics", None, []) == "statistics"


@pytest.mark.parametrize(
    ("loop", "message"),
    [
        ({"scaffold": "minimal"}, "loop.scaffold must be one of bare, contract, statistics, full"),
        ({"without_aids": ["repairs"]}, "loop.aids and loop.without_aids may hold only contract"),
        ({"show_rows": False}, "the zero-row arm) shows no labels and uses the bare prompt; these aids"),
    ],
)
def test_bad_scaffold_settings_name_the_fix(loop: dict[str, object], message: str) -> None:
    config = RefineConfig()
    for key, value in loop.items():
        setattr(config.loop, key, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config.validate()


def test_the_paper_preset_is_one_reply_to_the_bare_prompt() -> None:
    config = apply_overrides(RefineConfig(), PRESETS["paper"]).validate()
    assert config.loop.strategy == "one-shot" and config.loop.enabled_aids == ()


def test_bare_first_prompt() -> None:
    dataset = _dataset()
    rows = list(range(20))
    prompt = generator_prompt(
        dataset,
        rows,
        token_budget=2000,
        seed=0,
        feedback="",
        constants=train_constants(dataset, rows),
        aids=(),
    )
    assert "MIDPOINT" not in prompt and "import only" not in prompt
    _check("generator_bare", prompt)


def test_zero_row_prompt() -> None:
    dataset = _dataset()
    prompt = generator_prompt(
        dataset,
        list(range(20)),
        token_budget=2000,
        seed=0,
        feedback="",
        constants="",
        aids=(),
        show_rows=False,
    )
    assert "0.947" not in prompt  # a train row's value: no row is shown
    _check("generator_zero_rows", prompt)


def test_bare_revise_and_fix_prompts_state_no_constants_and_keep_the_llms_own() -> None:
    dataset = _dataset()
    constants = train_constants(dataset, list(range(20)))
    revise = revise_prompt(dataset, BestSoFar(OWN_CONSTANT, 0.8, "auc"), "- use z", constants, aids=())
    fix = fix_prompt(dataset, OWN_CONSTANT, "It failed: runtime_error: boom", aids=())
    for prompt in (revise, fix):
        assert "SEPARATION" not in prompt and "import only" not in prompt.lower()
        assert "MIDPOINT = {'x': 5.0}" in prompt  # the LLM's own constant is not taken for the harness's
    full = revise_prompt(dataset, BestSoFar(OWN_CONSTANT, 0.8, "auc"), "- use z", constants)
    assert "SEPARATION = {" in full and "MIDPOINT = {'x': 5.0}" not in full
    _check("generator_revise_bare", revise)


def test_without_aids_the_code_is_kept_as_extracted() -> None:
    code = "import numpy as np\n\ndef predict(df):\n    return df['x'] * SPREAD['x']\n\nprint(predict(None))"
    model = ScriptedChatModel(script=[fenced(code)])
    bare = generate(model, "prompt", "SPREAD = {'x': 1.0}", aids=())
    assert bare.code.strip() == code and bare.aids_fired == []
    full = generate(model, "prompt", "SPREAD = {'x': 1.0}", aids=AIDS)
    assert "print(" not in full.code and "SPREAD = {'x': 1.0}" in full.code
    assert full.aids_fired == ["strip_usage", "constants_defined"] and full.defined_constants == ["SPREAD"]


@pytest.mark.parametrize("aids", [(), ("unused_columns",)])
def test_the_unused_column_finding_is_an_aid(aids: tuple[str, ...]) -> None:
    dataset = _dataset()
    rows = list(range(20))
    evaluation = Evaluation(OutcomeKind.OK, validation={"auc": 0.6, "accuracy": 0.6}, train_scores=[0.5] * 20)
    evidence = Evidence.of(
        evaluation,
        dataset,
        rows,
        "auc",
        0.6,
        n_misclassified=0,
        tracebacks=True,
        code="def predict(df):\n    return df['z'] + 0.5\n",
        aids=aids,
    )
    assert ("predict does not use x" in evidence.as_feedback()) is bool(aids)
    assert evidence.findings == aids
