"""The inversion repair: decided on shown rows only, and the repaired source reverses exactly p -> 1 - p."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ibl_agents.codemodel.contract import check_contract
from ibl_agents.evaluation.evaluate import Evaluation
from ibl_agents.loop.repairs import apply_repairs, inverted_source, ranks_backwards
from sandbox.results import OutcomeKind

BACKWARDS = "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(df['x1'].to_numpy()))\n"


def test_only_a_clearly_backwards_ranking_is_repaired() -> None:
    assert ranks_backwards(0.05) and ranks_backwards(0.29)
    assert not ranks_backwards(0.45)  # near chance: flipping cannot help
    assert not ranks_backwards(None) and not ranks_backwards(math.nan)


@pytest.mark.parametrize(
    ("train_auc", "validation_auc", "repaired"),
    [(0.8, 0.05, False), (0.1, 0.9, True), (0.1, 0.05, True), (0.8, 0.9, False)],
)
def test_the_inversion_is_decided_on_the_train_rows_whatever_the_validation_auc(
    train_auc: float, validation_auc: float, repaired: bool
) -> None:
    as_written = Evaluation(OutcomeKind.OK, validation={"auc": validation_auc}, train={"auc": train_auc})
    flipped = Evaluation(OutcomeKind.OK, validation={"auc": 1 - validation_auc}, train={"auc": 1 - train_auc})
    evaluated: list[str] = []

    def evaluate(source: str) -> Evaluation:
        evaluated.append(source)
        return flipped

    result = apply_repairs(BACKWARDS, as_written, evaluate, ["invert_ranking"], "binary")
    if repaired:
        assert evaluated == [result.code] == [inverted_source(BACKWARDS, train_auc)]
        assert result.evaluation is flipped and result.record is not None
        assert result.record["train_auc_as_written"] == train_auc
    else:
        assert evaluated == [] and result.record is None
        assert result.code == BACKWARDS and result.evaluation is as_written


@pytest.mark.docker
def test_the_repaired_source_keeps_the_llm_code_and_reverses_its_probabilities(docker_executor) -> None:
    repaired = inverted_source(BACKWARDS, 0.05)
    assert repaired.startswith(BACKWARDS.rstrip()) and "AUC 0.050" in repaired
    assert check_contract(repaired, "y") is None
    frames = {"rows": pd.DataFrame({"x1": [-2.0, 0.0, 3.0]})}
    original = docker_executor.run(BACKWARDS, frames).predictions["rows"]
    fixed = docker_executor.run(repaired, frames).predictions["rows"]
    np.testing.assert_allclose(fixed, 1 - np.asarray(original))
