"""Snapshot tests: every prompt template rendered with fixed inputs, compared with a committed file.

A prompt edit shows up as a readable diff of the snapshot. To accept an intended change, rerun with
IBL_UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibl_agents.agents.critic import Evidence, critic_prompt
from ibl_agents.agents.generator import (
    HARNESS_CONSTANTS_MARK,
    BestSoFar,
    add_missing_constants,
    fix_prompt,
    generator_prompt,
    revise_prompt,
    train_constants,
    without_stated_constants,
)
from ibl_agents.data.dataset import load_dataset
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.icl.prompt import prompt_renderer, train_sample
from ibl_agents.prompts.templates import render
from sandbox.results import OutcomeKind

SNAPSHOTS = Path(__file__).parent / "snapshots"
CODE = "import numpy as np\n\ndef predict(df):\n    return np.where(df['x'] > 0, 0.9, 0.1)\n"


def _dataset():
    x = np.linspace(-2, 2, 20)
    return load_dataset(
        pd.DataFrame({"x": x.round(3), "color": ["red", "blue"] * 10, "y": (x > 0).astype(int)}), "y"
    )


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("IBL_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; run with IBL_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_generator_first_prompt() -> None:
    dataset = _dataset()
    rows = list(range(20))
    constants = train_constants(dataset, rows)
    prompt = generator_prompt(dataset, rows, token_budget=2000, seed=0, feedback="", constants=constants)
    _check("generator_first", prompt)


def test_revise_prompt_with_best_code_and_feedback() -> None:
    dataset = _dataset()
    rows = list(range(0, 20, 2))
    feedback = "- use column x with a threshold at 0"
    prompt = revise_prompt(dataset, BestSoFar(CODE, 0.8125, "auc"), feedback, train_constants(dataset, rows))
    assert "training rows (CSV)" not in prompt  # the code and the change asked for, not the row sample
    _check("generator_revise", prompt)


def test_fix_prompt_carries_the_failed_code_and_its_error() -> None:
    prompt = fix_prompt(_dataset(), CODE, "It failed: runtime_error: KeyError: 'z'")
    assert CODE.strip() in prompt and "KeyError: 'z'" in prompt
    _check("generator_fix", prompt)


def test_critic_prompt_for_a_failure() -> None:
    evaluation = Evaluation(OutcomeKind.RUNTIME_ERROR, "KeyError: 'z'", "Traceback ...\nKeyError: 'z'")
    evidence = _evidence(evaluation, None)
    assert any("column 'z' does not exist" in n for n in evidence.notes)
    _check("critic_failure", critic_prompt(CODE, evidence, _dataset()))


def test_critic_prompt_for_an_inverted_model() -> None:
    scores = [0.9 if i < 10 else 0.1 for i in range(20)]
    evaluation = Evaluation(
        OutcomeKind.OK,
        validation={"auc": 0.2, "accuracy": 0.25},
        train={"auc": 0.0, "accuracy": 0.0},
        train_scores=scores,
    )
    evidence = _evidence(evaluation, 0.6)
    assert any("backwards" in n for n in evidence.notes)
    _check("critic_inverted", critic_prompt(CODE, evidence, _dataset()))


def test_ablations_remove_tracebacks_and_rows_from_the_evidence() -> None:
    failure = Evaluation(OutcomeKind.RUNTIME_ERROR, "KeyError: 'z'", "Traceback (last call):\nKeyError")
    assert "Traceback" in _evidence(failure, None).as_feedback()
    assert "Traceback" not in _evidence(failure, None, tracebacks=False).as_feedback()
    assert "KeyError: 'z'" in _evidence(failure, None, tracebacks=False).as_feedback()
    scores = [0.9 if i < 10 else 0.1 for i in range(20)]
    ran = Evaluation(OutcomeKind.OK, validation={"auc": 0.2, "accuracy": 0.25}, train_scores=scores)
    assert "misclassified" in _evidence(ran, 0.6).as_feedback()
    assert "misclassified" not in _evidence(ran, 0.6, n_misclassified=0).as_feedback()


def _evidence(
    evaluation: Evaluation, best: float | None, *, n_misclassified: int = 4, tracebacks: bool = True
) -> Evidence:
    return Evidence.of(
        evaluation,
        _dataset(),
        list(range(20)),
        "auc",
        best,
        n_misclassified=n_misclassified,
        tracebacks=tracebacks,
    )


def test_icl_prompt() -> None:
    dataset = _dataset()
    train = [0, 1, 2, 3, 4, 15, 16, 17, 18, 19]
    prompt_for = prompt_renderer(dataset, train, train_sample(dataset, train, token_limit=2000, seed=1))
    _check("icl", prompt_for([6, 9, 11, 13]))


def test_renderer_refuses_missing_and_unexpected_variables() -> None:
    with pytest.raises(KeyError, match=r"missing \['feedback'\], unexpected \['other'\]"):
        render("generator_feedback", other="x")


def test_constants_the_code_uses_but_did_not_copy_are_defined() -> None:
    constants = "MEAN_WHEN_1 = {'x': 1.0}  # y = 1\nMEAN_WHEN_0 = {'x': -1.0}  # y = 0"
    code = "import numpy as np\n\ndef predict(df):\n    return (df['x'] > MEAN_WHEN_1['x']).astype(float)\n"
    completed, defined = add_missing_constants(code, constants)
    assert completed.splitlines()[:4] == [
        "import numpy as np",
        "",
        HARNESS_CONSTANTS_MARK,  # the harness's lines say so
        "MEAN_WHEN_1 = {'x': 1.0}  # y = 1",
    ]
    assert defined == ["MEAN_WHEN_1"]
    assert "MEAN_WHEN_0" not in completed
    own = "MEAN_WHEN_1 = 3\n\ndef predict(df):\n    return MEAN_WHEN_1\n"
    assert add_missing_constants(own, constants) == (own, [])
    # Shown again in a revise or fix prompt, the harness's lines and their mark are left out.
    uses_midpoint = "import numpy as np\n\ndef predict(df):\n    return df['x'] > MIDPOINT['x']"
    completed, _ = add_missing_constants(uses_midpoint, "MIDPOINT = {'x': 0.0}  # halfway")
    assert HARNESS_CONSTANTS_MARK in completed
    shown = without_stated_constants(completed)
    assert [line for line in shown.splitlines() if line] == [
        line for line in uses_midpoint.splitlines() if line
    ]


def test_a_data_value_used_as_a_key_is_named() -> None:
    from ibl_agents.feedback.diagnostics import diagnose

    evaluation = Evaluation(OutcomeKind.RUNTIME_ERROR, "predict raised KeyError: np.float64(1.878)")
    notes = diagnose(evaluation, ["Feature_1"], "auc")
    assert any("indexed with a data value (1.878) instead of a column name" in n for n in notes)
