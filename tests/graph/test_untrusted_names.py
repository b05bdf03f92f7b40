"""Column names, class labels and the target's name come from the data file: in best_model.py (its
docstring, the comments of the constants the harness defines) they can only be text. Before, a header
holding ``\"\"\"`` made the file invalid Python, and ``\"\"\"`` followed by code ran that code on the host at
``from best_model import predict`` (issue 17)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ibl_agents.config import RefineConfig
from ibl_agents.models.providers import ChatModels
from ibl_agents.models.scripted import ScriptedChatModel
from ibl_agents.run.refine import refine
from tests.fakes import fenced

PAYLOAD = "import pathlib; pathlib.Path('PWNED').touch()"
# A docstring closed early, a comment ended by a newline, by a carriage return and by \x1c (a line break
# to str.splitlines, which the harness uses to pick the constants lines it inserts).
HOSTILE = {
    "column": f'a"""\n{PAYLOAD}\n"""',
    "target": f"y\n{PAYLOAD}\n#",
    "positive": f"yes\r{PAYLOAD}\r#",
    "negative": f"no\x1c{PAYLOAD}\x1c#",
}


def hostile_frame(signal_frame: pd.DataFrame) -> pd.DataFrame:
    frame = signal_frame.drop(columns=["row_code"]).rename(columns={"x2": HOSTILE["column"]})
    labels = frame.pop("y").map({1: HOSTILE["positive"], 0: HOSTILE["negative"]})
    return frame.assign(**{HOSTILE["target"]: labels})


# Uses constants it does not define, so the harness adds their lines (with their comments) to the code.
USES_CONSTANTS = (
    "import numpy as np\n\ndef predict(df):\n"
    "    z = SEPARATION['x1'] * (df['x1'] - MIDPOINT['x1']) / SPREAD['x1']\n"
    "    return 1.0 / (1.0 + np.exp(-4 * z))\n"
)


def test_hostile_names_stay_text_in_best_model(tmp_path: Path, signal_frame, loop_executor) -> None:
    config = RefineConfig(runs_dir=str(tmp_path / "runs"), name="hostile")
    config.data.target, config.loop.strategy, config.loop.max_iters = HOSTILE["target"], "one-shot", 1
    models = ChatModels(
        ScriptedChatModel(script=[fenced(USES_CONSTANTS)]), ScriptedChatModel(script=["-"]), "s", "s"
    )
    summary = refine(config, frame=hostile_frame(signal_frame), executor=loop_executor, models=models)
    assert summary.ok and summary.validation["auc"] > 0.9
    source = (Path(summary.run_dir) / "best_model.py").read_text(encoding="utf-8")
    assert "SEPARATION = {" in source  # the harness's lines, with the label and target comments, are in
    tree = ast.parse(source)  # valid Python
    assert ast.get_docstring(tree).count(PAYLOAD) >= 1  # the names are there, as text
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"numpy"}  # the payload's `import pathlib` is nowhere a statement
    done = subprocess.run(
        [sys.executable, "-c", "from best_model import predict"],
        cwd=summary.run_dir,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert not (Path(summary.run_dir) / "PWNED").exists()
