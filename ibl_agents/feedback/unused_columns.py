"""Strong columns a binary code model leaves out: evidence that names columns, for critic and generator.

Observed with the 1.5B model (issue 7): handed the example term for the first column, it often wrote that
term alone and stopped, so moons models read ``Feature_1`` and ignored ``Feature_2``, the stronger column
(test AUC ~0.83 instead of ~0.97). The critic, seeing only the code and misclassified rows, rarely named
the missing column. This finding names it, with the statistic that shows it matters.
"""

from __future__ import annotations

from ibl_agents.codemodel.columns import columns_used
from ibl_agents.data.dataset import Dataset
from ibl_agents.prompts.constants import separations

STRONG_SHARE = 0.5  # a column separating at least half as strongly as the strongest one
MAX_NAMED = 3


def unused_strong_columns(code: str, dataset: Dataset, train_rows: list[int]) -> str | None:
    """A sentence naming the strong columns ``code`` does not use, or None (none, or not binary)."""
    if dataset.task != "binary":
        return None
    separation = separations(dataset.frame.iloc[train_rows], dataset.y.iloc[train_rows])
    strength = separation.abs()
    if strength.empty or float(strength.max()) == 0.0:
        return None
    try:
        used = columns_used(code, dataset.features)
    except SyntaxError:
        return None
    strong = strength[(strength >= STRONG_SHARE * strength.max()) & ~strength.index.isin(list(used))]
    named = strong.sort_values(ascending=False).index[:MAX_NAMED]
    if not len(named):
        return None
    listed = ", ".join(f"{column} (SEPARATION {separation[column]:+.2f})" for column in named)
    first = repr(str(named[0]))  # a literal in the code this suggests
    return (
        f"predict does not use {listed}, although the training rows separate the classes on "
        f"{'this column' if len(named) == 1 else 'these columns'} at least half as well as on the best one; "
        f"add a term for each, like SEPARATION[{first}] * (df[{first}] - MIDPOINT[{first}]) "
        f"/ SPREAD[{first}]."
    )
