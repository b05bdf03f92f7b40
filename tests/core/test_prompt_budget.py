"""How many tokens the generator prompt may fill, and how a wide table's prompts keep the reply budget."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ibl_agents.agents.generator import generator_prompt, train_constants, without_stated_constants
from ibl_agents.config import RefineConfig
from ibl_agents.data.audit import LONG_VALUE_CHARS, audit
from ibl_agents.data.dataset import load_dataset
from ibl_agents.errors import ConfigError
from ibl_agents.models.token_count import count_tokens
from ibl_agents.prompts.rows import describe_columns, sample_table
from tests.reference import SPLITS


def test_the_default_budget_is_the_context_less_the_reply_cap() -> None:
    config = RefineConfig()
    assert config.prompt_budget == int((4096 - 768) * 0.95)
    config.models.context_tokens = 8192
    assert config.prompt_budget == int((8192 - 768) * 0.95)
    config.loop.prompt_tokens = 1000
    assert config.prompt_budget == 1000


def test_a_budget_too_small_for_any_prompt_is_refused() -> None:
    config = RefineConfig()
    config.models.context_tokens, config.models.max_reply_tokens = 900, 768
    with pytest.raises(ConfigError, match=r"models\.context_tokens must exceed"):
        config.validate()


def test_a_wide_table_gets_rows_beside_its_constants() -> None:
    titanic = load_dataset(SPLITS / "titanic_3655_300_train.csv", "survived", ["alive_yes", "alive_no"])
    rows = list(range(40))
    budget = RefineConfig().prompt_budget
    prompt = generator_prompt(
        titanic, rows, token_budget=budget, seed=0, feedback="", constants=train_constants(titanic, rows)
    )
    shown = int(re.search(r"(\d+) training rows \(CSV\)", prompt).group(1))
    assert shown >= 6 and count_tokens(prompt) <= budget  # 2400 tokens left room for 2 rows


def test_a_wide_tables_prompt_asks_not_to_copy_its_constants_and_a_narrow_ones_does_not() -> None:
    rows = list(range(40))
    for name, target, drop, asked in (
        ("titanic", "survived", ["alive_yes", "alive_no"], True),
        ("moon", "target", [], False),
    ):
        dataset = load_dataset(SPLITS / f"{name}_3655_300_train.csv", target, drop)
        constants = train_constants(dataset, rows)
        prompt = generator_prompt(dataset, rows, token_budget=3000, seed=0, feedback="", constants=constants)
        assert ("do not copy them into your reply" in prompt) is asked, name


def test_revise_and_fix_prompts_show_code_without_the_stated_constants() -> None:
    dataset = load_dataset(SPLITS / "moon_3655_300_train.csv", "target")
    constants = train_constants(dataset, list(range(40)))
    body = "def predict(df):\n    return SEPARATION['Feature_1'] * df['Feature_1']\n"
    code = "import numpy as np\n" + constants + "\nOWN = 2\n\n" + body
    shown = without_stated_constants(code)
    assert shown == "import numpy as np\nOWN = 2\n\n" + body.strip()
    assert without_stated_constants("def predict(df) return") == "def predict(df) return"  # unparsable


def test_constants_copied_into_predict_are_not_shown_again() -> None:
    code = "def predict(df):\n    SPREAD = {'x': 1.0}\n    MIDPOINT = {\n        'x': 0.5,\n    }\n"
    code += "    return df['x']\n"
    assert without_stated_constants(code) == "def predict(df):\n    return df['x']"


def test_a_long_text_value_is_cut_in_the_prompt_and_warned_about() -> None:
    """One 100 kB value used to be copied whole into the contract (26k tokens, 2 rows shown)."""
    huge = "x" * 100_000
    frame = pd.DataFrame({"note": ["short", huge, "short", "other"] * 5, "x1": range(20)})
    y = pd.Series([0, 1] * 10, name="y")
    described = describe_columns(frame)
    assert len(described) < 400 and "'" + "x" * LONG_VALUE_CHARS + "…'" in described
    text, rows = sample_table(frame, y, y.to_numpy(), "y", token_budget=2000, seed=0)
    assert rows == 20 and max(len(line) for line in text.splitlines()) < 200
    (warning,) = [w for w in audit(frame, y).warnings() if "note" in w]
    assert warning == (
        "column 'note' holds text values of up to 100000 characters; prompts show their first 80"
        " (--drop-columns note removes the column)"
    )
