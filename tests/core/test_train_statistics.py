"""The constants shown in the prompt are computed from the train rows only, for every task.

Held-out rows (validation folds and locked test) are rewritten to canary values, features and labels
alike: neither the constants nor the rendered generator prompt may change. Changing one train row must
change both, or the comparison would prove nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.agents.generator import generator_prompt, train_constants
from ibl_agents.config import RefineConfig
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.data.splits import Splits, make_splits

CANARY = "zqx-canary-4471"
CANARY_VALUES = {"x1": 31337.125, "x2": -4242.5, "color": CANARY}
CANARY_LABELS = {"binary": 1, "multiclass": "low", "regression": 99999.0}


def _frame(task: str) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x1 = rng.normal(size=120).round(3)
    frame = pd.DataFrame(
        {"x1": x1, "x2": rng.normal(size=120).round(3), "color": rng.choice(["red", "blue"], 120)}
    )
    labels = {
        "binary": (x1 > 0).astype(int),
        "multiclass": np.where(x1 > 0.5, "high", np.where(x1 > -0.5, "mid", "low")),
        "regression": 3 * x1,
    }
    return frame.assign(y=labels[task])


def _shown(dataset: Dataset, splits: Splits) -> tuple[str, str]:
    constants = train_constants(dataset, splits.train)
    budget = RefineConfig().prompt_budget
    prompt = generator_prompt(
        dataset, splits.train, token_budget=budget, seed=0, feedback="", constants=constants
    )
    return constants, prompt


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_constants_and_the_prompt_come_from_train_rows_only(task: str) -> None:
    frame = _frame(task)
    original = load_dataset(frame, "y")
    splits = make_splits(
        original.y, seed=0, n_folds=3, test_fraction=0.2, train_fraction=0.5, stratify=task != "regression"
    )
    held_out = splits.validation + splits.test
    canaried = frame.copy()
    canaried.loc[held_out, [*CANARY_VALUES, "y"]] = [*CANARY_VALUES.values(), CANARY_LABELS[task]]
    constants, prompt = _shown(original, splits)
    assert _shown(load_dataset(canaried, "y"), splits) == (constants, prompt)
    assert CANARY not in prompt and "31337" not in prompt

    moved = frame.copy()
    moved.loc[splits.train[0], "x1"] = CANARY_VALUES["x1"]
    changed_constants, changed_prompt = _shown(load_dataset(moved, "y"), splits)
    assert changed_constants != constants and changed_prompt != prompt
