"""Rows reach the sandbox shuffled, predictions come back in order: a row's position says nothing of its
label, and a row-wise model scores the same as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibl_agents.data.dataset import load_dataset
from ibl_agents.evaluation.evaluate import score_on_rows
from ibl_agents.evaluation.row_order import permutation, restored, shuffled
from sandbox.process_executor import ProcessExecutor
from sandbox.results import ExecutionResult, OutcomeKind
from tests.fakes import InProcessExecutor

# Sorted by class, with a noise feature: only the position could tell the labels apart.
SORTED = pd.DataFrame({"noise": np.random.default_rng(0).normal(size=200), "y": [0] * 100 + [1] * 100})
READS_POSITION = (
    "import numpy as np\n\ndef predict(df):\n    return np.asarray(df.index, dtype=float) / len(df)\n"
)
ROW_WISE = "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['noise'].to_numpy()))\n"


def test_the_position_carries_no_label() -> None:
    dataset = load_dataset(SORTED, "y")
    scored = score_on_rows(READS_POSITION, dataset, list(range(200)), InProcessExecutor())
    assert scored.ok and abs(scored.metrics["auc"] - 0.5) < 0.15  # was 1.0 with the file's order


def test_a_row_wise_model_gets_its_predictions_back_in_order() -> None:
    dataset = load_dataset(SORTED, "y")
    scored = score_on_rows(ROW_WISE, dataset, [5, 150, 7], InProcessExecutor())
    expected = 1 / (1 + np.exp(-SORTED["noise"].iloc[[5, 150, 7]].to_numpy()))
    assert np.allclose(scored.predictions, expected)


def test_the_order_is_seeded_and_restored_for_matrices_too() -> None:
    frames = {"a": pd.DataFrame({"x": range(6)})}
    sent, orders = shuffled(frames, "hash")
    assert (orders["a"] == permutation("hash", "a", 6)).all() and list(sent["a"].index) == list(range(6))
    assert not (orders["a"] == np.arange(6)).all()
    back = restored(ExecutionResult(OutcomeKind.OK, {"a": [[v, -v] for v in sent["a"]["x"]]}), orders)
    assert back.predictions["a"] == [[v, -v] for v in range(6)]


@pytest.mark.docker
def test_through_the_real_sandboxes_too(docker_executor) -> None:
    dataset = load_dataset(SORTED, "y")
    with ProcessExecutor() as process:
        for executor in (docker_executor, process):
            scored = score_on_rows(READS_POSITION, dataset, list(range(200)), executor)
            assert scored.ok and abs(scored.metrics["auc"] - 0.5) < 0.15, executor.description
