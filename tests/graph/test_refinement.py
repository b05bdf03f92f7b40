"""The refinement graph with scripted chat models and the Docker sandbox's recorded results (replayed
at the executor seam: ``loop_executor``); one test also runs through the real Docker executor."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ibl_agents.config import RefineConfig
from ibl_agents.data.prepare import prepare_data
from ibl_agents.models.providers import ChatModels
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.run.refine import RunSummary, refine
from sandbox.executor import Executor
from tests.fakes import fenced

PERFECT = "import numpy as np\n\ndef predict(df):\n    return np.where(df['x1'] > 0, 1.0, 0.0)\n"
PERFECT_SHORT = "def predict(df):\n    return (df['x1'] > 0).astype(float)\n"
WEAK = "import numpy as np\n\ndef predict(df):\n    return 1 / (1 + np.exp(-df['x2'].to_numpy()))\n"
BROKEN = "def predict(df):\n    return df['z'] * 0\n"
# Quote the first row they get: everywhere, or only on a validation fold (~27 rows; the train rows are 80).
CRASH_QUOTING_A_ROW = "def predict(df):\n    raise ValueError(f'bad row {df.iloc[0].to_dict()}')\n"
HELD_OUT_QUOTE = "raise ValueError(f'bad row {held.iloc[0].to_dict()}')"


def held_out_crash(frame: pd.DataFrame) -> str:
    """Code that crashes, quoting a row, on any frame holding a row outside the train split: frames are
    sent under one name in an order of their own, so only their rows tell them apart. Only train values
    are written into it (they may reach a prompt)."""
    config = RefineConfig()
    config.data.target, config.data.drop_columns = "y", []
    train = sorted(
        int(code) for code in frame["row_code"].iloc[prepare_data(config.data, frame).splits.train]
    )
    return (
        f"TRAIN = {train!r}\n\ndef predict(df):\n    held = df[~df['row_code'].isin(TRAIN)]\n"
        f"    if len(held):\n        {HELD_OUT_QUOTE}\n    return (df['x1'] > 0).astype(float)\n"
    )


CRITIC = "- use the column x1 with a threshold at 0"


def _run(
    tmp_path: Path,
    frame: pd.DataFrame,
    executor: Executor,
    generator: list[str],
    gen: ScriptedChatModel | None = None,
    **loop: object,
) -> tuple[RunSummary, ScriptedChatModel, ScriptedChatModel]:
    """One refine() run; ``generator`` codes are fenced into replies unless ``gen`` is given."""
    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="t")
    config.data.target = "y"
    config.data.drop_columns = []
    for key, value in {"patience": 10, **loop}.items():
        setattr(config.loop, key, value)
    gen = gen or ScriptedChatModel(script=[fenced(code) for code in generator])
    critic = ScriptedChatModel(script=[CRITIC])
    summary = refine(
        config, frame=frame, executor=executor, models=ChatModels(gen, critic, "scripted", "scripted-critic")
    )
    return summary, gen, critic


@pytest.mark.parametrize(
    "sandbox", ["loop_executor", pytest.param("docker_executor", marks=pytest.mark.docker)]
)
def test_failing_candidate_gets_a_fix_prompt_without_a_critic_call(
    tmp_path, signal_frame, sandbox: str, request: pytest.FixtureRequest
) -> None:
    """Once replayed, once through the real Docker sandbox: the replay answers as Docker does."""
    executor = request.getfixturevalue(sandbox)
    summary, gen, critic = _run(tmp_path, signal_frame, executor, [BROKEN, PERFECT], max_iters=2)
    kinds = [c["kind"] for c in summary.candidates]
    assert kinds == ["runtime_error", "ok"]
    assert summary.ok and summary.best_id == "0002"
    assert summary.validation["auc"] == 1.0 and summary.test["auc"] == 1.0
    fix = gen.prompts[1]
    assert "column 'z' does not exist" in fix  # the diagnosis reached the next generation
    assert "return df['z'] * 0" in fix and "Fix exactly this error" in fix  # with the failed code
    assert "training rows (CSV)" not in fix  # a focused prompt: no rows, no rewrite
    assert critic.prompts == []


def test_a_failed_fix_with_no_valid_model_yet_is_followed_by_a_fresh_sample(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, gen, critic = _run(tmp_path, signal_frame, loop_executor, [BROKEN, BROKEN, PERFECT], max_iters=3)
    assert [c["kind"] for c in summary.candidates] == ["runtime_error", "runtime_error", "ok"]
    assert "Fix exactly this error" in gen.prompts[1]
    # The third call is exactly best-of-n's third sample: no failure told, no critic call.
    _, sampled, _ = _run(
        tmp_path / "best-of-n", signal_frame, loop_executor, [BROKEN] * 3, max_iters=3, strategy="best-of-n"
    )
    assert gen.prompts[2] == sampled.prompts[2]
    assert "column 'z' does not exist" not in gen.prompts[2] and critic.prompts == []


def test_a_failed_fix_of_a_revision_goes_to_critique_and_a_rewrite_from_the_best(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, gen, critic = _run(
        tmp_path, signal_frame, loop_executor, [WEAK, BROKEN, BROKEN, PERFECT], max_iters=4
    )
    assert [c["kind"] for c in summary.candidates] == ["ok", "runtime_error", "runtime_error", "ok"]
    assert "Fix exactly this error" in gen.prompts[2]
    assert "best code so far" in gen.prompts[3] and WEAK.strip() in gen.prompts[3]
    assert CRITIC in gen.prompts[3] and "Fix exactly this error" not in gen.prompts[3]
    assert len(critic.prompts) == 2  # after the weak model and after the failed fix; none before the fix


def test_without_fix_failures_a_failure_goes_to_the_critic(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, critic = _run(
        tmp_path, signal_frame, loop_executor, [BROKEN, PERFECT], max_iters=2, fix_failures=False
    )
    assert summary.best_id == "0002"
    assert "column 'z' does not exist" in gen.prompts[1] and CRITIC in gen.prompts[1]
    assert len(critic.prompts) == 1


def test_explore_draws_independent_samples_before_refining(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, critic = _run(
        tmp_path, signal_frame, loop_executor, [WEAK, PERFECT, WEAK, WEAK], max_iters=4, explore=2
    )
    assert summary.best_id == "0002"
    # The second sample sees neither feedback nor the first code; refinement starts from the best of both.
    assert "Feedback on the previous attempt" not in gen.prompts[1]
    assert "best code so far" not in gen.prompts[1]
    assert "best code so far" in gen.prompts[2] and PERFECT.strip() in gen.prompts[2]
    assert len(critic.prompts) == 2  # no critic call while exploring, one per refinement after it


def test_stops_on_plateau(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, _ = _run(tmp_path, signal_frame, loop_executor, [WEAK], max_iters=10, patience=2)
    assert summary.stop_reason == "plateau"
    assert summary.iterations == 3 and len(gen.prompts) == 3


def test_stops_on_max_iters(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, critic = _run(tmp_path, signal_frame, loop_executor, [WEAK, WEAK, PERFECT], max_iters=3)
    assert summary.stop_reason == "max_iters" and summary.iterations == 3
    assert len(critic.prompts) == 2  # no critic call after the last candidate


def test_stops_on_token_budget_with_exact_accounting(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [WEAK], max_iters=10, max_tokens_total=400)
    # each call reports 100 prompt + 50 completion tokens: gen 150, critic 150, gen 150 -> 450 >= 400
    assert summary.stop_reason == "token_budget"
    assert summary.tokens_used == 450
    assert summary.tokens_by_node == {"generator": 300, "critic": 150}
    assert not summary.tokens_estimated


def test_best_candidate_wins_and_ties_go_to_shorter_code(tmp_path, signal_frame, loop_executor) -> None:
    summary, _, _ = _run(
        tmp_path, signal_frame, loop_executor, [PERFECT, WEAK, PERFECT_SHORT, WEAK], max_iters=4
    )
    assert [c["accepted"] for c in summary.candidates] == [True, False, True, False]
    assert summary.best_id == "0003"
    assert summary.best_code == PERFECT_SHORT


def test_run_directory_is_complete_and_best_model_is_standalone(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [BROKEN, PERFECT], max_iters=2)
    run_dir = Path(summary.run_dir)
    for name in (
        "config.json",
        "manifest.json",
        "events.jsonl",
        "summary.json",
        "best_model.py",
        "checkpoints.sqlite",
        "candidates/0001.py",
        "candidates/0001.json",
        "candidates/0002.prompt.txt",
        "feedback/0001.txt",
    ):
        assert (run_dir / name).is_file(), name
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert set(manifest["splits"]) == {"train", "folds", "test"}
    namespace: dict[str, object] = {}
    exec(
        compile((run_dir / "best_model.py").read_text(), "best_model.py", "exec"), namespace
    )  # our own test code
    predictions = namespace["predict"](signal_frame.drop(columns=["y"]))
    assert list(predictions) == list((signal_frame["x1"] > 0).astype(float))
    events = [json.loads(line)["event"] for line in (run_dir / "events.jsonl").read_text().splitlines()]
    # audit warnings (x1 decides y here: a leak by construction) come first, then the run itself
    assert next(e for e in events if e != "warning") == "start" and events[-1] == "finish"


def test_no_validation_or_test_row_ever_reaches_a_prompt(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, critic = _run(tmp_path, signal_frame, loop_executor, [BROKEN, WEAK, PERFECT], max_iters=3)
    manifest = json.loads((Path(summary.run_dir) / "manifest.json").read_text())
    train = set(manifest["splits"]["train"])
    held_out = [i for i in range(len(signal_frame)) if i not in train]
    prompts = "\n".join(gen.prompts + critic.prompts)
    shown = [i for i in train if str(signal_frame["row_code"][i]) in prompts]
    assert shown, "canary check is void: no train row code appears in any prompt"
    leaked = [i for i in held_out if str(signal_frame["row_code"][i]) in prompts]
    assert leaked == []


@pytest.mark.parametrize("fix_failures", [True, False])
def test_a_crash_on_validation_rows_reaches_no_prompt_with_their_values(
    tmp_path, signal_frame, loop_executor, fix_failures
) -> None:
    summary, gen, critic = _run(
        tmp_path,
        signal_frame,
        loop_executor,
        [held_out_crash(signal_frame), PERFECT],
        max_iters=2,
        fix_failures=fix_failures,
    )
    assert [c["kind"] for c in summary.candidates] == ["runtime_error", "ok"]
    run_dir = Path(summary.run_dir)
    splits = json.loads((run_dir / "manifest.json").read_text())["splits"]
    fold = signal_frame.drop(columns=["y"]).iloc[splits["folds"][0]].reset_index(drop=True)
    raw = loop_executor.run(held_out_crash(signal_frame), {"rows": fold}).message
    assert any(str(code) in raw for code in fold["row_code"]), (
        "canary check is void: the message quotes no row"
    )
    read_back = [
        path.read_text() for folder in ("candidates", "feedback") for path in (run_dir / folder).iterdir()
    ]
    shown = "\n".join(gen.prompts + critic.prompts + read_back)
    train = set(splits["train"])
    leaked = [
        i for i in range(len(signal_frame)) if i not in train and str(signal_frame["row_code"][i]) in shown
    ]
    assert leaked == []
    told = gen.prompts[1]  # the fix prompt, or the rewrite after the critic
    assert "predict raised ValueError on held-out rows" in told
    assert not fix_failures or HELD_OUT_QUOTE in told


def test_a_crash_everywhere_is_told_from_a_train_row(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, _ = _run(tmp_path, signal_frame, loop_executor, [CRASH_QUOTING_A_ROW, PERFECT], max_iters=2)
    train = json.loads((Path(summary.run_dir) / "manifest.json").read_text())["splits"]["train"]
    assert "predict on the training rows raised ValueError: bad row" in gen.prompts[1]
    quoted = [row for row in range(len(signal_frame)) if str(signal_frame["row_code"][row]) in gen.prompts[1]]
    assert quoted and set(quoted) <= set(train)  # its message kept, quoting a train row


def test_failures_before_the_first_valid_model_are_not_a_plateau(
    tmp_path, signal_frame, loop_executor
) -> None:
    script = [BROKEN, BROKEN, BROKEN, PERFECT]
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, script, max_iters=4, patience=2)
    assert summary.iterations == 4 and summary.best_id == "0004"
    assert summary.stop_reason == "max_iters"


def test_failed_candidates_after_a_valid_one_do_not_count_towards_the_plateau(
    tmp_path, signal_frame, loop_executor
) -> None:
    script = [WEAK, BROKEN, BROKEN, BROKEN, WEAK, WEAK, PERFECT]
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, script, max_iters=10, patience=2)
    assert summary.stop_reason == "plateau"
    assert summary.iterations == 6  # two valid candidates without a gain; three failures only spent budget


def test_after_exploring_a_failed_last_sample_is_not_fixed(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, _ = _run(
        tmp_path, signal_frame, loop_executor, [PERFECT, BROKEN, WEAK], max_iters=3, explore=2
    )
    assert [c["kind"] for c in summary.candidates] == ["ok", "runtime_error", "ok"]
    assert "Fix exactly this error" not in gen.prompts[2]
    assert "best code so far" in gen.prompts[2] and PERFECT.strip() in gen.prompts[2]


@pytest.mark.parametrize("channel", [True, False])
def test_the_error_region_reaches_the_revision_with_its_aid(
    tmp_path, signal_frame, loop_executor, channel
) -> None:
    # x1 > 0 decides the label except in a box (16 % of rows) that is positive too, which the first code
    # misses; it reads x2 too, so no strong column is left out (that finding would go first).
    box = (signal_frame["x1"] < -0.3) & (signal_frame["x2"] > -0.2)
    frame = signal_frame.assign(y=((signal_frame["x1"] > 0) | box).astype(int))
    feedback = ["tracebacks", "misclassified_rows", "best_code"]
    without = [] if channel else ["error_region"]
    reads_both = PERFECT.replace("df['x1'] > 0", "(df['x1'] > 0) | (df['x2'] > 99)")
    summary, gen, _ = _run(
        tmp_path,
        frame,
        loop_executor,
        [reads_both, PERFECT],
        max_iters=2,
        feedback=feedback,
        without_aids=without,
    )
    assert ("the errors concentrate in one region" in gen.prompts[1]) is channel
    # The candidate written from that feedback records the aid among those that shaped it.
    assert ("error_region" in summary.candidates[1]["aids"]) is channel
    assert "best code so far" in gen.prompts[1]
