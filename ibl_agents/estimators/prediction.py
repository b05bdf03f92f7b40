"""Running a fitted code model on new rows: always in the sandbox, never in this process.

The code was written by an LLM, so ``predict`` treats it as hostile exactly as the loop does: one fresh
sandbox per call, the host's gates on what comes back. The sandbox is opened per call and closed before
returning (no pre-started container): opening costs ~25 ms beside a ~300 ms container run, and an
estimator holding no executor needs no ``close()``, survives ``clone`` and pickling, and leaves nothing
running behind the many clones ``GridSearchCV`` fits and drops.

A failure raises ``CodeModelError`` whose ``kind`` is the outcome a candidate would have recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibl_agents.config import SandboxConfig
from ibl_agents.errors import CodeModelError
from ibl_agents.evaluation.gates import check_predictions
from sandbox.backends import open_executor
from sandbox.results import OutcomeKind

FRAME_NAME = "rows"


def predict_in_sandbox(
    code: str, frame: pd.DataFrame, box: SandboxConfig, task: str, classes: tuple[str, ...] = ()
) -> np.ndarray:
    """What ``code`` returns for the rows of ``frame``, computed in a fresh sandbox and gated as in the
    loop for ``task``: one number per row (binary: a probability), or for multiclass an (n, k) matrix of
    probabilities of ``classes``, in that order."""
    output_columns = classes if task == "multiclass" else None
    with open_executor(box.backend, box.limits(), box.image, prestart=False) as executor:
        result = executor.run(code, {FRAME_NAME: frame}, output_columns)
    if result.kind is not OutcomeKind.OK:
        where = (
            "the sandbox failed (not the model's fault; retry)"
            if result.kind is OutcomeKind.SANDBOX_ERROR
            else "the code model failed on these rows"
        )
        detail = f"\n{result.detail.strip()}" if result.detail.strip() else ""
        raise CodeModelError(result.kind, f"{where}: {result.message}{detail}")
    check = check_predictions(result.predictions.get(FRAME_NAME, []), len(frame), task, len(classes) or 2)
    if check.kind is not OutcomeKind.OK:
        raise CodeModelError(check.kind, f"the code model's output is unusable: {check.message}")
    return np.asarray(result.predictions[FRAME_NAME], dtype=float)
