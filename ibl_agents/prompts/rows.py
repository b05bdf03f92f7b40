"""Turning train rows into prompt text under a token budget.

Large tables still run: the prompt carries a class-balanced (regression: range-balanced), seeded sample
of train rows sized to the budget, while validation always uses every validation row. Tokens are counted
with the bundled tokenizer when it is available (``ibl_agents.models.token_count``): Qwen spends a token per
digit, so counting characters let a 32-column Titanic sample overflow a 4096-token context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibl_agents.data.audit import LONG_VALUE_CHARS
from ibl_agents.models.token_count import count_tokens


def describe_columns(frame: pd.DataFrame) -> str:
    """One line per feature: name, type, range or categories, missing values."""
    lines = []
    for column in frame.columns:
        series = frame[column]
        missing = int(series.isna().sum())
        extra = f", {missing} missing" if missing else ""
        if series.dtype.kind in "biuf":
            lines.append(f"- {column}: numeric, min {series.min():.4g}, max {series.max():.4g}{extra}")
        elif series.dtype.kind == "b":
            lines.append(f"- {column}: boolean{extra}")
        else:
            values = ", ".join(repr(shortened(v)) for v in series.dropna().unique()[:12])
            lines.append(f"- {column}: categorical, values {values}{extra}")
    return "\n".join(lines)


def shortened(value: object) -> object:
    """A text value longer than ``LONG_VALUE_CHARS`` cut to that many characters and an ellipsis (one
    100 kB value used to fill the whole prompt; the audit warns about such columns)."""
    if isinstance(value, str) and len(value) > LONG_VALUE_CHARS:
        return value[:LONG_VALUE_CHARS] + "…"
    return value


def sample_rows(
    frame: pd.DataFrame, y: pd.Series, target: str, labels: tuple[str, str], token_budget: int, seed: int
) -> tuple[str, int]:
    """Binary train rows (``y`` 0/1, ``labels`` = (positive, negative)) as CSV text within the budget,
    classes interleaved; returns (text, n_rows)."""
    shown = pd.Series(np.where(y.to_numpy() == 1, labels[0], labels[1]), index=frame.index)
    return sample_table(frame, shown, y.to_numpy(), target, token_budget, seed)


def sample_task_rows(
    frame: pd.DataFrame,
    y: pd.Series,
    target: str,
    task: str,
    classes: tuple[str, ...],
    token_budget: int,
    seed: int,
) -> tuple[str, int]:
    """Train rows of any task as CSV text within the budget; returns (text, n_rows).

    The target column shows the class labels (binary, multiclass) or the numbers (regression). Rows
    alternate between classes, or for regression between quintiles of the target, so any prefix of the
    sample covers every class and the whole range.
    """
    if task == "binary":
        return sample_rows(frame, y, target, (classes[1], classes[0]), token_budget, seed)
    if task == "multiclass":
        shown = pd.Series(np.asarray(classes, dtype=object)[y.to_numpy()], index=frame.index)
        return sample_table(frame, shown, y.to_numpy(), target, token_budget, seed)
    quintiles = pd.qcut(y.rank(method="first"), q=min(5, len(y)), labels=False).to_numpy()
    return sample_table(frame, y, quintiles, target, token_budget, seed)


def sample_table(
    frame: pd.DataFrame, shown: pd.Series, groups: np.ndarray, target: str, token_budget: int, seed: int
) -> tuple[str, int]:
    """CSV text of as many rows as fit the budget, with ``shown`` as the target column and ``groups``
    interleaved; returns (text, n_rows)."""
    table = frame.copy()
    for column in table.columns:
        if table[column].dtype.kind not in "biufcmM":  # text, categories, mixed
            table[column] = table[column].map(shortened)
    table[target] = shown.to_numpy()
    order = _interleaved_order(groups, seed)
    header = table.iloc[:0].to_csv(index=False)
    per_row = max(
        1, count_tokens(table.iloc[order[:20]].to_csv(index=False, header=False)) / min(20, len(order))
    )
    fits = max(2, int((token_budget - count_tokens(header)) / per_row))
    chosen = order[: min(fits, len(order))]
    text = table.iloc[chosen].to_csv(index=False, float_format="%.4g")
    while count_tokens(text) > token_budget and len(chosen) > 2:
        chosen = chosen[: max(2, int(len(chosen) * 0.9))]
        text = table.iloc[chosen].to_csv(index=False, float_format="%.4g")
    return text.strip(), len(chosen)


def _interleaved_order(groups: np.ndarray, seed: int) -> list[int]:
    """Row positions taking one row of each group in turn (the highest group first: binary's 1 before 0),
    each group shuffled by seed, so any prefix is balanced."""
    rng = np.random.default_rng(seed)
    members = [
        rng.permutation(np.flatnonzero(groups == g)).tolist() for g in sorted(set(groups.tolist()))[::-1]
    ]
    order: list[int] = []
    for i in range(max(len(group) for group in members)):
        order.extend(group[i] for group in members if i < len(group))
    return order
