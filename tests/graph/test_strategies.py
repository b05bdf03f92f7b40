"""Strategies and feedback ablations with scripted chat models and the real Docker executor."""

from __future__ import annotations

import json
from pathlib import Path

from ibl_agents.models.scripted import ScriptedChatModel
from tests.graph.test_refinement import BROKEN, CRITIC, PERFECT, WEAK, _run

PROSE_ONLY = "I would look at x1 first."


def test_one_shot_is_one_reply_scored_as_is(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, critic = _run(tmp_path, signal_frame, loop_executor, [WEAK, PERFECT], strategy="one-shot")
    assert summary.iterations == 1 and summary.stop_reason == "max_iters"
    assert len(gen.prompts) == 1 and critic.prompts == []
    assert summary.best_id == "0001" and summary.best_code == WEAK


def test_one_shot_does_not_re_ask_a_reply_without_code(tmp_path, signal_frame, loop_executor) -> None:
    config_gen = ScriptedChatModel(script=[PROSE_ONLY])
    summary, gen, _ = _run(tmp_path, signal_frame, loop_executor, [], strategy="one-shot", gen=config_gen)
    assert len(gen.prompts) == 1 and not summary.ok
    assert summary.candidates[0]["kind"] == "syntax_error"


def test_best_of_n_draws_independent_samples_and_keeps_the_best(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, gen, critic = _run(
        tmp_path,
        signal_frame,
        loop_executor,
        [WEAK, PERFECT, BROKEN],
        strategy="best-of-n",
        max_iters=3,
        patience=1,
    )
    assert summary.iterations == 3 and summary.stop_reason == "max_iters"  # no plateau for samples
    assert critic.prompts == []
    assert summary.best_id == "0002"
    for prompt in gen.prompts:  # nothing of earlier candidates reaches a sample
        assert "best code so far" not in prompt and "Feedback on the previous attempt" not in prompt
    assert len(set(gen.prompts)) == 3  # row order differs per sample, so they are not one prompt repeated


def test_without_the_critic_the_raw_evidence_is_the_feedback(tmp_path, signal_frame, loop_executor) -> None:
    summary, gen, critic = _run(
        tmp_path,
        signal_frame,
        loop_executor,
        [BROKEN, PERFECT],
        max_iters=2,
        feedback=["tracebacks", "misclassified_rows", "best_code"],
    )
    assert critic.prompts == [] and summary.tokens_by_node == {"generator": 300}
    feedback = (Path(summary.run_dir) / "feedback" / "0001.txt").read_text()
    assert "column 'z' does not exist" in feedback and "Traceback" in feedback
    assert feedback in gen.prompts[1] and CRITIC not in gen.prompts[1]


def test_best_code_channel_off_keeps_the_best_code_out_of_prompts(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, gen, _ = _run(
        tmp_path, signal_frame, loop_executor, [WEAK, WEAK, WEAK], max_iters=3, feedback=["critic"]
    )
    assert summary.ok
    assert all("The best code so far" not in prompt for prompt in gen.prompts)


def test_predictions_file_lines_up_best_and_baselines_with_test_rows(
    tmp_path, signal_frame, loop_executor
) -> None:
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [PERFECT], max_iters=1)
    saved = json.loads((Path(summary.run_dir) / "predictions.json").read_text())
    n = len(saved["test_rows"])
    assert n > 0 and len(saved["labels"]) == n and len(saved["best"]) == n
    assert saved["best"] == [float(label) for label in saved["labels"]]  # PERFECT thresholds x1 at 0
    assert set(saved["baselines"]) == set(summary.baselines) and len(summary.baselines) == 10  # 5 of each fit
    assert all(len(scores) == n for scores in saved["baselines"].values())
    assert summary.baselines["logistic_regression@all_labeled"]["validation"] == {}  # fitted on those rows
    assert set(saved["harness_only"]) == set(summary.harness_only) == {"template", "template+region"}
    assert all(len(scores) == n for scores in saved["harness_only"].values())
    assert summary.harness_only["template"]["test"]["auc"] > 0.9  # x1 decides y: the aids alone find it
    recorded = json.loads((Path(summary.run_dir) / "summary.json").read_text())
    assert recorded["harness_only"] == summary.harness_only and "harness_region" in recorded


def _memorising_reply(prompt: str) -> str:
    """A code model that writes the prompt's train rows into a table and looks them up."""
    header = prompt.index("x1,x2,row_code,y")
    lines = prompt[header:].split("\n\n")[0].splitlines()[1:]
    rows = [tuple(line.split(",")) for line in lines if line.count(",") == 3]
    table = ",\n    ".join(f"({x1}, {x2}, {code}, {1 if y == '1' else 0})" for x1, x2, code, y in rows)
    code = (
        "import numpy as np\n\nROWS = [\n    " + table + ",\n]\n\ndef predict(df):\n"
        "    table = np.array(ROWS)\n"
        "    d = (df['x1'].to_numpy()[:, None] - table[:, 0]) ** 2\n"
        "    d += (df['x2'].to_numpy()[:, None] - table[:, 1]) ** 2\n"
        "    return table[d.argmin(axis=1), 3]\n"
    )
    return f"```python\n{code}```"


def test_a_memorising_best_model_is_flagged(tmp_path, signal_frame, loop_executor) -> None:
    gen = ScriptedChatModel(script=[_memorising_reply])
    summary, _, _ = _run(tmp_path, signal_frame, loop_executor, [], gen=gen, max_iters=1)
    assert summary.ok and summary.memorisation["verdict"]
    assert summary.memorisation["copied_rows"] >= 3
    assert any("memorises train data" in warning for warning in summary.warnings)
