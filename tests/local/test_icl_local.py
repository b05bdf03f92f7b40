"""The ICL baseline through the real bundled 0.5B model over HTTP: the reply is parsed onto the rows.

Asserts that the path works (most rows answered, metrics are numbers), not that the model is good; the
measured AUC and missing rate are printed for the record.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pytest

from ibl_agents.config import DataConfig, ModelConfig
from ibl_agents.data.prepare import prepare_data
from ibl_agents.icl.baseline import icl_baseline
from tests.reference import SPLITS

pytestmark = pytest.mark.llm


def test_the_local_model_labels_moons_test_rows(capsys: pytest.CaptureFixture[str]) -> None:
    prepared = prepare_data(
        DataConfig(
            path=str(SPLITS / "moon_3656_300_train.csv"),
            test_path=str(SPLITS / "moon_3656_300_test.csv"),
            target="target",
            train_rows=20,
        )
    )
    splits = replace(prepared.splits, test=prepared.splits.test[:30])
    # Greedy and uncached: the real model must answer, not replies stored by an earlier test run.
    config = ModelConfig(generator="local:qwen2.5-coder-0.5b", temperature=0.0, cache=False)
    started = time.monotonic()
    result = icl_baseline(config, prepared.dataset, splits, log=lambda _: None)
    elapsed = time.monotonic() - started
    scores = result.metrics(prepared.dataset)
    with capsys.disabled():
        print(
            f"\nICL local:qwen2.5-coder-0.5b, 20 train / 30 test moons rows: AUC {scores['auc']:.3f},"
            f" accuracy {scores['accuracy']:.3f}, missing {result.missing}/30, {len(result.calls)} call(s),"
            f" {result.prompt_tokens}+{result.completion_tokens} tokens, {elapsed:.0f} s\n"
            f"reply begins: {result.calls[0].reply.text[:300]!r}"
        )
    assert result.train_rows_shown == 20 and len(result.calls) == 1
    assert result.missing_rate <= 0.2, result.calls[0].reply.text
    assert math.isfinite(scores["auc"]) and 0.0 <= scores["auc"] <= 1.0
    # streamed, the local server sends no usage: the model's own tokenizer counts (marked estimated)
    assert result.prompt_tokens > 0 and result.tokens_estimated
