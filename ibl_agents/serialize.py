"""Turning train rows into prompt text under a token budget.

Large tables still run: the prompt carries a class-balanced, seeded sample of train rows sized to the
budget, while validation always uses every validation row. Tokens are counted with the bundled
tokenizer when it is available (``ibl_agents.token_count``): Qwen spends a token per digit, so counting
characters let a 32-column Titanic sample overflow a 4096-token context.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibl_agents.token_count import count_tokens


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
            values = ", ".join(repr(v) for v in series.dropna().unique()[:12])
            lines.append(f"- {column}: categorical, values {values}{extra}")
    return "\n".join(lines)


def class_statistics(frame: pd.DataFrame, y: pd.Series, target: str, labels: tuple[str, str]) -> str:
    """Per-class means and the spread of numeric features, written as Python constants.

    Small models asked to "use the class averages" tried to compute them inside ``predict`` from a
    target column it never receives (observed here, 1.5B model). Handing them over as ready constants
    removes that failure and is the cheapest strong hint a model can use.
    """
    numeric = frame.select_dtypes(include="number")
    if numeric.empty:
        return "(no numeric features)"
    positive, negative = labels
    is_positive = y.to_numpy() == 1

    def constants(values: pd.Series) -> str:
        return "{" + ", ".join(f"{name!r}: {value:.4g}" for name, value in values.items()) + "}"

    means_1, means_0 = constants(numeric[is_positive].mean()), constants(numeric[~is_positive].mean())
    return "\n".join(
        [
            f"MEAN_WHEN_1 = {means_1}  # training rows with {target} = {positive}",
            f"MEAN_WHEN_0 = {means_0}  # training rows with {target} = {negative}",
            f"SPREAD = {constants(numeric.std())}  # standard deviation over all training rows",
        ]
    )


def sample_rows(
    frame: pd.DataFrame, y: pd.Series, target: str, labels: tuple[str, str], token_budget: int, seed: int
) -> tuple[str, int]:
    """CSV text of as many train rows as fit the budget, classes interleaved; returns (text, n_rows)."""
    table = frame.copy()
    table[target] = np.where(y.to_numpy() == 1, labels[0], labels[1])
    order = _interleaved_order(y, seed)
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


def _interleaved_order(y: pd.Series, seed: int) -> list[int]:
    """Row positions alternating positive/negative, each class shuffled by seed, so any prefix is balanced."""
    rng = np.random.default_rng(seed)
    values = y.to_numpy()
    pos = rng.permutation(np.flatnonzero(values == 1)).tolist()
    neg = rng.permutation(np.flatnonzero(values == 0)).tolist()
    order: list[int] = []
    for i in range(max(len(pos), len(neg))):
        order.extend(group[i] for group in (pos, neg) if i < len(group))
    return order
