"""The memorisation check on code a real model wrote: the bundled 0.5B model, asked for a nearest-neighbour
model over the rows it is shown, writes them out, and the check says so."""

from __future__ import annotations

import pytest

from ibl_agents.codemodel.extraction import extract_code
from ibl_agents.config import ModelConfig
from ibl_agents.data.dataset import load_dataset
from ibl_agents.inspection.memorisation import check_memorisation
from ibl_agents.models.chat import ask_for_code
from ibl_agents.models.providers import open_chat_models
from tests.reference import SPLITS

pytestmark = pytest.mark.llm

SHOWN = 8


def test_a_real_model_asked_to_store_its_rows_is_caught() -> None:
    dataset = load_dataset(SPLITS / "moon_3656_300_train.csv", "target")
    rows = dataset.frame.iloc[:SHOWN].assign(target=dataset.y.iloc[:SHOWN])
    prompt = (
        "Training rows:\n"
        + rows.to_csv(index=False, float_format="%.4g")
        + "\nWrite a Python function predict(df) that returns, for each row of df, the target of the"
        " nearest training row. Store every training row above in a list TRAIN of"
        " (Feature_1, Feature_2, target) tuples. Use only numpy and pandas."
    )
    config = ModelConfig(generator="local:qwen2.5-coder-0.5b", temperature=0.0, cache=False)
    with open_chat_models(config, log=lambda _: None) as models:
        reply, code = ask_for_code(models.generator, prompt, extract_code)
    assert code is not None, reply.text
    report = check_memorisation(code, dataset, range(SHOWN))
    assert report.verdict and report.copied_rows >= 3, (report, code)
