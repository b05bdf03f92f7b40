"""`--max-cost` through the real `ibl` command: a dollar budget is refused when a model has no price."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_bad_input import assert_clean_failure, ibl
from tests.reference import SPLITS

REPO = Path(__file__).resolve().parents[2]  # this tree's code, whichever copy is pip-installed


@pytest.mark.docker
def test_dollar_budget_for_a_model_without_price(tmp_path: Path, sandbox_image: str) -> None:
    data = SPLITS / "moon_3656_300_train.csv"
    unpriced = ["--model", "openai:fake", "--base-url", "http://127.0.0.1:9/v1"]
    result = ibl(
        tmp_path,
        "run",
        str(data),
        "--target=target",
        *unpriced,
        "--max-cost=0.5",
        env={"PYTHONPATH": str(REPO)},
    )
    assert_clean_failure(result, tmp_path, "--max-cost needs token prices, and none is known for openai:fake")
