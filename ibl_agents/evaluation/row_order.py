"""Rows reach the sandbox shuffled, and their predictions come back in the host's order.

Frames used to keep the file's row order, with ``df.index`` the position: on a file sorted by class, a
candidate that read only the row position scored AUC 1.0 on validation and on the locked test with noise
features (issue 14). Each frame is now permuted on the host before it is sent, its index reset, and the
predictions are put back in the original order, so the position of a row says nothing about its label.

The permutation is seeded from the dataset's hash, the frame's name and its size: reruns send the same
frames (results stay replayable), while a candidate, which sees neither the file nor its hash, cannot
recompute it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from sandbox.results import ExecutionResult, OutcomeKind, Predictions


def permutation(key: str, name: str, rows: int) -> np.ndarray:
    """The seeded order in which frame ``name`` of ``rows`` rows is sent (``key``: the dataset's hash)."""
    digest = hashlib.sha256(f"{key}\0{name}\0{rows}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big")).permutation(rows)


def shuffled(
    frames: Mapping[str, pd.DataFrame], key: str
) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """Each frame permuted (index reset) and the permutation used for it."""
    orders = {name: permutation(key, name, len(frame)) for name, frame in frames.items()}
    sent = {name: frame.iloc[orders[name]].reset_index(drop=True) for name, frame in frames.items()}
    return sent, orders


def restored(result: ExecutionResult, orders: Mapping[str, np.ndarray]) -> ExecutionResult:
    """``result`` with each frame's predictions back in the host's row order (a failure is unchanged;
    a prediction list of the wrong length is left for the host's checks to refuse)."""
    if result.kind is not OutcomeKind.OK:
        return result
    predictions: dict[str, Predictions] = {}
    for name, values in result.predictions.items():
        order = orders.get(name)
        # Row i sent was the frame's row order[i], so the frame's rows in order are values[argsort(order)].
        keep = order is None or len(values) != len(order)
        predictions[name] = values if keep else np.asarray(values)[np.argsort(order)].tolist()
    return replace(result, predictions=predictions)
