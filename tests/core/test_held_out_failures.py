"""A candidate that fails on held-out rows tells the LLM where the code broke, never what the rows held.

Each candidate below breaks only on a row whose ``deck`` is a canary (and whose ``x1`` is a canary
number). With that row among the train rows, its values reach the evaluation (they are the LLM's own
data, and a test that scrubbed everywhere would fail here); with it among the validation rows, they reach
neither the evaluation, nor the evidence, nor the critic prompt, nor the fix prompt. The executor is the
trusted runner in this process (``tests.fakes``), so every message and traceback is the runner's own.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ibl_agents.agents.critic import Evidence, critic_prompt
from ibl_agents.agents.generator import fix_prompt
from ibl_agents.data.dataset import Dataset, load_dataset
from ibl_agents.data.splits import Splits
from ibl_agents.evaluation.evaluate import Evaluation, evaluate_candidate
from ibl_agents.evaluation.held_out_failures import withheld
from sandbox.results import ExecutionResult, OutcomeKind
from tests.fakes import InProcessExecutor

CANARY = "zqx-canary-4471"
CANARY_NUMBER = 31337.125
CANARY_FORMS = (CANARY, "31337", "3.134e+04")  # as the value itself, repr'd, or printed with .4g
SPLITS = Splits(
    train=list(range(10)), folds=[list(range(10, 15)), list(range(15, 20))], test=list(range(20, 30))
)
CANARY_ROW = {"train": 0, "validation": 10}  # a row of each frame (rows are sent in a shuffled order)
GOOD = "import numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0, 0.9, 0.1)\n"

# name -> (code, the exception type, the code line it is raised from; None: no exception)
CANDIDATES = {
    "error_quoting_the_row": (
        "import numpy as np\n\ndef predict(df):\n    for value in df['deck']:\n"
        "        if value not in ('A', 'B'):\n"
        "            raise ValueError(f'bad {df[df.deck == value].iloc[0].to_dict()}')\n"
        "    return np.where(df['x1'] > 0, 0.9, 0.1)\n",
        "ValueError",
        "raise ValueError(f'bad {df[df.deck == value].iloc[0].to_dict()}')",
    ),
    "data_value_as_a_key": (
        "SHIFT = {'A': 0.1, 'B': -0.1}\n\n\ndef predict(df):\n"
        "    return [0.5 + SHIFT[v] for v in df['deck']]\n",
        "KeyError",
        "return [0.5 + SHIFT[v] for v in df['deck']]",
    ),
    "missing_column_through_pandas": (
        "def predict(df):\n    odd = [v for v in df['deck'] if v not in ('A', 'B')]\n"
        "    return df[odd or ['x1']].iloc[:, 0].gt(0).astype(float)\n",
        "KeyError",
        "return df[odd or ['x1']].iloc[:, 0].gt(0).astype(float)",
    ),
    "returns_the_value": (
        "def predict(df):\n    return df['deck'].where(~df['deck'].isin(['A', 'B']), 0.5)\n",
        None,
        None,
    ),
    "out_of_range_on_that_row": (
        "import numpy as np\n\ndef predict(df):\n"
        "    return np.where(df['deck'].isin(['A', 'B']), 0.5, df['x1'])\n",
        None,
        None,
    ),
}


def _dataset(canary_at: int | None = None) -> Dataset:
    x1 = [(i + 1) / 10 * (1 if i % 2 else -1) for i in range(30)]
    deck = ["A", "B"] * 15
    if canary_at is not None:
        x1[canary_at], deck[canary_at] = CANARY_NUMBER, CANARY
    frame = pd.DataFrame({"x1": x1, "deck": deck})
    return load_dataset(frame.assign(y=(frame["x1"] > 0).astype(int)), "y")


def _shown(evaluation: Evaluation, dataset: Dataset, code: str) -> dict[str, str]:
    """Every text the LLM may be shown of this evaluation, by where it goes."""
    evidence = Evidence.of(
        evaluation, dataset, SPLITS.train, "auc", None, n_misclassified=4, tracebacks=True, code=code
    )
    return {
        "message": evaluation.message,
        "detail": evaluation.detail,
        "candidate json": json.dumps(evaluation.to_json()),
        "evidence": evidence.as_feedback(),
        "critic prompt": critic_prompt(code, evidence, dataset),
        "fix prompt": fix_prompt(dataset, code, evidence.as_feedback()),
    }


def _leaks(texts: dict[str, str]) -> dict[str, list[str]]:
    return {
        where: found for where, text in texts.items() if (found := [f for f in CANARY_FORMS if f in text])
    }


@pytest.mark.parametrize("name", CANDIDATES)
def test_a_failure_on_a_validation_row_shows_its_type_and_code_line_but_no_value(name: str) -> None:
    code, error, line = CANDIDATES[name]
    dataset, executor = _dataset(CANARY_ROW["validation"]), InProcessExecutor()
    evaluation = evaluate_candidate(code, dataset, SPLITS, executor)
    assert evaluation.kind is not OutcomeKind.OK and "on held-out rows" in evaluation.message
    assert _leaks(_shown(evaluation, dataset, code)) == {}
    if error is not None:
        assert f"predict raised {error} on held-out rows" in evaluation.message
        assert 'File "<candidate>", line ' in evaluation.detail and line in evaluation.detail
        assert evaluation.detail.endswith(f"{error} (its message is withheld)")
        assert any(form in executor.results[-1].message for form in CANARY_FORMS), "canary check is void"


@pytest.mark.parametrize("name", CANDIDATES)
def test_the_same_failure_on_a_train_row_keeps_its_message(name: str) -> None:
    code, error, _ = CANDIDATES[name]
    dataset, executor = _dataset(CANARY_ROW["train"]), InProcessExecutor()
    evaluation = evaluate_candidate(code, dataset, SPLITS, executor)
    assert evaluation.kind is not OutcomeKind.OK and "on the training rows" in evaluation.message
    assert set(_leaks({"message": evaluation.message})) == {"message"}
    assert error is None or f"{error}: " in evaluation.detail  # the exception line, message and all
    assert executor.calls == [["rows"]]  # the validation folds were never sent


def test_the_train_rows_run_first_and_alone() -> None:
    executor = InProcessExecutor()
    evaluation = evaluate_candidate(GOOD, _dataset(), SPLITS, executor)
    assert evaluation.kind is OutcomeKind.OK and evaluation.validation["auc"] == 1.0
    # Two processes, one frame each under one name: the train rows, then the folds pooled.
    assert executor.calls == [["rows"], ["rows"]]
    assert [len(result.predictions["rows"]) for result in executor.results] == [10, 10]


def test_a_missing_column_on_the_train_rows_is_still_diagnosed() -> None:
    code = "def predict(df):\n    return df['z'] * 0\n"
    dataset = _dataset()
    evaluation = evaluate_candidate(code, dataset, SPLITS, InProcessExecutor())
    evidence = Evidence.of(evaluation, dataset, SPLITS.train, "auc", None, n_misclassified=4, tracebacks=True)
    assert "predict on the training rows raised KeyError: 'z'" in evaluation.message
    assert any(
        "column 'z' does not exist; the only columns are: x1, deck." in note for note in evidence.notes
    )


def test_a_data_value_used_as_a_key_on_held_out_rows_is_not_named_as_a_column() -> None:
    code = CANDIDATES["data_value_as_a_key"][0]
    dataset = _dataset(CANARY_ROW["validation"])
    evaluation = evaluate_candidate(code, dataset, SPLITS, InProcessExecutor())
    evidence = Evidence.of(evaluation, dataset, SPLITS.train, "auc", None, n_misclassified=4, tracebacks=True)
    assert evidence.notes == [f"the code failed (runtime_error): {evaluation.message}"]
    assert "a new category" in evaluation.message  # what to look for, in place of the value


def test_only_places_in_the_code_survive_of_a_held_out_traceback() -> None:
    pandas_base = "/usr/local/lib/python3.11/site-packages/pandas/core/indexes/base.py"
    code = "import numpy as np\n\ndef predict(df):\n    return df[df['deck'].iloc[0]]\n"
    detail = (
        f"   x1  deck\n0  {CANARY_NUMBER}  {CANARY}\n"  # what the code printed before it broke
        "Traceback (most recent call last):\n"
        f'  File "{pandas_base}", line 3805, in get_loc\n'
        "    return self._engine.get_loc(casted_key)\n"
        f"KeyError: '{CANARY}'\n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        "Traceback (most recent call last):\n"
        '  File "<candidate>", line 4, in predict\n'
        f"    return df['{CANARY}']  # the sandbox's echo, not the code\n"
        "           ~~^^^^^^^^^^\n"
        f"KeyError: '{CANARY}'\n"
    )
    message = f"predict on frame 'validation_0' raised KeyError: '{CANARY}'"
    shown = withheld(ExecutionResult(OutcomeKind.RUNTIME_ERROR, message=message, detail=detail), code)
    assert shown[0].startswith("predict raised KeyError on held-out rows, though the training rows ran:")
    assert shown[1] == (
        "Traceback (most recent call last):\n"
        f'  File "{pandas_base}", line 3805, in get_loc\n'
        "The above exception was the direct cause of the following exception:\n"
        "Traceback (most recent call last):\n"
        '  File "<candidate>", line 4, in predict\n'
        "    return df[df['deck'].iloc[0]]\n"
        "KeyError (its message is withheld)"
    )


def test_a_held_out_timeout_keeps_its_kind_and_none_of_what_was_printed() -> None:
    printed = f"{CANARY} {CANARY_NUMBER}\n" * 3
    result = ExecutionResult(
        OutcomeKind.TIMEOUT, message="did not finish within 30 s (killed)", detail=printed
    )
    assert withheld(result, GOOD) == (
        "on held-out rows, though the training rows ran; their values are withheld, and so is the error's"
        " own text",
        "",
    )
