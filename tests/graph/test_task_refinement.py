"""Multiclass and regression runs of the refinement graph: scripted chat models, the real Docker executor.

Each script walks through the outputs a model gets wrong (wrong shape, NaN, negative probabilities, the
wrong number of classes, class names instead of probabilities) before a valid one, and the test follows
the message of each failure into the next prompt.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.models.providers import ChatModels
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.run.refine import RunSummary, refine
from sandbox.executor import Executor
from tests.fakes import fenced

CRITIC = "- compare x1 with the class averages"
# Classes sort as text: high, low, mid -> the column order of every multiclass prediction.
MULTICLASS_CODES = {
    "two_columns": "import numpy as np\n\ndef predict(df):\n    return np.full((len(df), 2), 0.5)\n",
    "class_names": "def predict(df):\n    return ['low'] * len(df)\n",
    "nan": (
        "import numpy as np\n\ndef predict(df):\n    p = np.full((len(df), 3), 1 / 3)\n"
        "    p[df['x1'].to_numpy() > 1, 0] = np.nan\n    return p\n"
    ),
    "scores": (
        "import numpy as np\n\ndef predict(df):\n    x = df['x1'].values\n    return np.c_[x, -x, 0 * x]\n"
    ),
    "unnormalised": "import numpy as np\n\ndef predict(df):\n    return np.full((len(df), 3), 0.5)\n",
    # runs, but calls every row with x1 > 0 high and every other row low: the mid rows are confused
    "two_classes": (
        "import numpy as np\n\ndef predict(df):\n    high = (df['x1'] > 0).to_numpy(float)\n"
        "    return np.c_[high, 1 - high, 0 * high]\n"
    ),
    # columns named by class, in another order than the stated one: put in order by the runner
    "perfect": (
        "import pandas as pd\n\ndef predict(df):\n    x = df['x1']\n"
        "    return pd.DataFrame({'low': (x <= -0.5) * 1.0, 'mid': ((x > -0.5) & (x <= 0.5)) * 1.0,"
        " 'high': (x > 0.5) * 1.0})\n"
    ),
}
REGRESSION_CODES = {
    "nan": "def predict(df):\n    return df['x1'] / 0 * 0\n",
    "two_columns": "import numpy as np\n\ndef predict(df):\n    return np.c_[df['x1'], df['x2']]\n",
    "biased": "def predict(df):\n    return 3 * df['x1'] + 10\n",
    "exact": "def predict(df):\n    return 3 * df['x1']\n",
}


@pytest.fixture
def class_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x1 = rng.uniform(-1.5, 1.5, size=240).round(4)
    species = np.where(x1 > 0.5, "high", np.where(x1 > -0.5, "mid", "low"))
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": rng.normal(size=240).round(4),
            "row_code": 500_000 + np.arange(240) * 7,
            "species": species,
        }
    )


@pytest.fixture
def numeric_frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x1 = rng.normal(size=160).round(4)
    return pd.DataFrame({"x1": x1, "x2": rng.normal(size=160).round(4), "y": 3 * x1})


def _run(
    tmp_path: Path, frame: pd.DataFrame, target: str, executor: Executor, codes: list[str]
) -> tuple[RunSummary, ScriptedChatModel, ScriptedChatModel]:
    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="t")
    config.data.target = target
    config.loop.max_iters, config.loop.patience = len(codes), 10
    config.loop.fix_failures = False  # every failure goes through the critic, whose prompt these tests read
    gen = ScriptedChatModel(script=[fenced(code) for code in codes])
    critic = ScriptedChatModel(script=[CRITIC])
    models = ChatModels(gen, critic, "scripted", "scripted-critic")
    return refine(config, frame=frame, executor=executor, models=models), gen, critic


def test_multiclass_run_names_each_bad_output_and_keeps_the_valid_model(
    tmp_path: Path, class_frame: pd.DataFrame, loop_executor: Executor
) -> None:
    summary, gen, critic = _run(
        tmp_path, class_frame, "species", loop_executor, list(MULTICLASS_CODES.values())
    )
    assert (summary.task, summary.metric) == ("multiclass", "macro_f1")
    kinds = [c["kind"] for c in summary.candidates]
    assert kinds == ["invalid_output"] * 5 + ["ok", "ok"]
    expected = [
        "2), expected (96, 3): one row per df row, one column per class in the order [high, low, mid]",
        "returned shape (96,), expected (96, 3)",
        "NaN or infinite probabilities in",
        "negative probabilities",
        "rows that sum to 1.5 .. 1.5",
    ]
    for i, message in enumerate(expected):
        assert message in summary.candidates[i]["message"], summary.candidates[i]["message"]
        assert message in gen.prompts[i + 1]  # each failure reached the next generation
    assert "np.exp(s - s.max(axis=1, keepdims=True))" in gen.prompts[4]  # the fix for negative values
    prompt = gen.prompts[0]
    assert "one of these 3 classes, always listed in this order: high, low, mid" in prompt
    assert "CLASSES = ['high', 'low', 'mid']" in prompt and "MEAN_BY_CLASS = {'high': {'x1': " in prompt
    # the confused pairs of the run that called every mid row high or low, with example rows
    assert "Most confused (true -> predicted): mid -> " in critic.prompts[5]
    assert "probability_of_true_class" in critic.prompts[5]

    assert summary.best_id == "0007" and summary.test == {
        "macro_f1": 1.0,
        "accuracy": 1.0,
        "log_loss": pytest.approx(0.0, abs=1e-12),
    }
    assert set(summary.validation) == {"macro_f1", "accuracy", "log_loss"}
    learners = [
        "logistic_regression",
        "k_nearest_neighbors",
        "linear_svm",
        "decision_tree",
        "gradient_boosting",
    ]
    assert set(summary.baselines) == {*learners, *(f"{name}@all_labeled" for name in learners)}
    assert summary.baselines["logistic_regression"]["test"]["accuracy"] > 0.8
    assert list(summary.harness_only) == ["template"] and summary.harness_region is None  # region: binary
    assert summary.harness_only["template"]["test"]["accuracy"] > 0.8
    run_dir = Path(summary.run_dir)
    predictions = json.loads((run_dir / "predictions.json").read_text())
    assert predictions["classes"] == ["high", "low", "mid"] and predictions["task"] == "multiclass"
    assert np.asarray(predictions["best"]).shape == (len(predictions["test_rows"]), 3)
    assert np.asarray(predictions["baselines"]["linear_svm"]).shape == (len(predictions["test_rows"]), 3)
    assert np.asarray(predictions["harness_only"]["template"]).shape == (len(predictions["test_rows"]), 3)
    labels = np.asarray(predictions["labels"])
    assert (np.asarray(predictions["best"]).argmax(axis=1) == labels).all()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["classes"] == ["high", "low", "mid"] and manifest["task"] == "multiclass"
    assert "binary only" in manifest["audit"]["notes"][0]

    train = set(manifest["splits"]["train"])
    prompts = "\n".join(gen.prompts + critic.prompts)
    assert any(str(class_frame["row_code"][i]) in prompts for i in train), "canary check is void"
    held_out = [i for i in range(len(class_frame)) if i not in train]
    assert [i for i in held_out if str(class_frame["row_code"][i]) in prompts] == []

    namespace: dict[str, object] = {}
    exec(
        compile((run_dir / "best_model.py").read_text(), "best_model.py", "exec"), namespace
    )  # our test code
    assert "columns in the order high, low, mid" in (run_dir / "best_model.py").read_text()


def test_regression_run_names_bad_output_and_the_direction_of_errors(
    tmp_path: Path, numeric_frame: pd.DataFrame, loop_executor: Executor
) -> None:
    summary, gen, critic = _run(tmp_path, numeric_frame, "y", loop_executor, list(REGRESSION_CODES.values()))
    assert (summary.task, summary.metric) == ("regression", "r2")
    assert [c["kind"] for c in summary.candidates] == ["invalid_output", "invalid_output", "ok", "ok"]
    assert "NaN or infinite value(s)" in summary.candidates[0]["message"]
    assert (
        "expected (" in summary.candidates[1]["message"]
        and "one float per row" in summary.candidates[1]["message"]
    )
    assert "Task: predict the column `y`, a number." in gen.prompts[0]
    assert "TARGET_MEAN = " in gen.prompts[0] and "CORRELATION = {'x1': 1, 'x2': " in gen.prompts[0]
    biased = critic.prompts[2]
    assert "the mean error is +10 (predictions too high on average)" in biased
    assert (
        "+10 (over-predicted)" in biased
        and "Validation r2 " in biased
        and ", rmse 10.000, mae 10.000" in biased
    )

    assert summary.best_id == "0004" and summary.test["rmse"] == pytest.approx(0.0, abs=1e-9)
    assert set(summary.test) == {"r2", "rmse", "mae"}
    regressors = [
        "ridge_regression",
        "k_nearest_neighbors",
        "linear_svr",
        "decision_tree",
        "gradient_boosting",
    ]
    assert set(summary.baselines) == {*regressors, *(f"{name}@all_labeled" for name in regressors)}
    assert summary.baselines["ridge_regression"]["test"]["r2"] > 0.9
    assert summary.harness_only["template"]["test"]["r2"] > 0.9  # y = 3 x1: CORRELATION 1 says it all
    run_dir = Path(summary.run_dir)
    predictions = json.loads((run_dir / "predictions.json").read_text())
    assert predictions["classes"] == [] and len(predictions["best"]) == len(predictions["test_rows"])
    assert len(predictions["harness_only"]["template"]) == len(predictions["test_rows"])
    assert summary.memorisation["notes"] == [
        "lookup entries and label sequences need class labels: not checked"
    ]
    assert "one number per row" in (run_dir / "best_model.py").read_text()


def test_a_metric_that_does_not_fit_the_data_is_refused_before_any_call(
    tmp_path: Path, numeric_frame: pd.DataFrame, loop_executor: Executor
) -> None:
    config = RefineConfig(runs_dir=str(tmp_path / "runs"))
    config.data.target, config.loop.metric = "y", "auc"
    gen = ScriptedChatModel(script=["unused"])
    with pytest.raises(
        Exception, match="'auc' does not fit a regression task; choose one of r2, neg_rmse, neg_mae"
    ):
        refine(config, frame=numeric_frame, executor=loop_executor, models=ChatModels(gen, gen, "s", "s"))
    assert gen.prompts == [] and not (tmp_path / "runs").exists()
