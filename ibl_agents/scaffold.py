"""How much the harness helps the LLM: named scaffold levels, each a set of named aids.

IBL asks what an LLM induces from rows. Every aid that states, dictates, fits or rewrites code is the
harness's work, not the LLM's, so each has a name, sits in a level, can be switched off on its own, and is
recorded wherever a number is reported (config.json, summary.json, each candidate's JSON, the report's
rows and the ``best_model.py`` header). Measured on moons (issue 13): the ``constants`` and
``example_shape`` aids together are a complete linear classifier whose weights the harness fitted; applied
to every numeric column with no LLM at all they reproduce the full level's test AUCs, which is why every
run also reports that harness-only model.

Aids, in the order the loop meets them:

- ``contract``: the detailed contract (each column with its type and range, the import allowlist, the
  clauses about labels, files and randomness). Without it the prompt states the contract in one sentence,
  as the paper's prompt did.
- ``constants``: statistics of the train rows handed over as Python constants (``train_statistics``), and
  defined for the code when it uses one without copying it (those lines are marked as the harness's).
- ``example_shape``: a filled-in ``predict`` of the contract's shape, with a term built from the constants.
- ``strip_usage``: top-level demo code after ``predict`` (``print(predict(df))``) is deleted before the
  code runs; without it such code runs at import, as in the paper, and usually fails.
- ``invert_ranking``: a binary model that ranks the shown rows backwards gets a wrapper returning 1 - p
  (``repairs``).
- ``unused_columns``: feedback that names a strong column the code leaves out, with the term to add.
- ``error_region``: feedback that names the box where the training errors concentrate, with the line to add.

Levels: ``bare`` (the paper's prompt: the task, the rows, one sentence of contract; nothing else; the
sentence keeps the paper's own conditions, "without using a machine learning model ... based on logic" and
"you do not need to provide examples", from its authors' ``IBLMClassifier`` prompt, but not its empty
``iterrows`` skeleton, which is a shape to fill),
``contract`` (+ the detailed contract and demo-code stripping), ``statistics`` (+ constants) and ``full``
(every aid: today's default). ``loop.aids`` replaces a level's set, ``loop.without_aids`` removes aids
from it (``--no-repairs`` is ``without_aids = [invert_ranking]``).
"""

from __future__ import annotations

from typing import Literal, get_args

Aid = Literal[
    "contract",
    "constants",
    "example_shape",
    "strip_usage",
    "invert_ranking",
    "unused_columns",
    "error_region",
]
AIDS: tuple[str, ...] = get_args(Aid)
ScaffoldLevel = Literal["bare", "contract", "statistics", "full"]
LEVELS: dict[str, tuple[str, ...]] = {
    "bare": (),
    "contract": ("contract", "strip_usage"),
    "statistics": ("contract", "strip_usage", "constants"),
    "full": AIDS,
}
DEFAULT_LEVEL = "full"
# Aids that read the train labels: the zero-row arm (loop.show_rows false) shows the LLM no labels at all.
LABEL_AIDS = ("constants", "example_shape", "invert_ranking", "unused_columns", "error_region")
# What each aid did to a candidate, as its record and the best_model.py header say it.
AID_ACTIONS: dict[str, str] = {
    "contract": "the prompt stated the detailed contract",
    "constants": "the prompt defined train-row statistics for the code",
    "constants_defined": "the harness inserted constant definitions the code used but did not write",
    "example_shape": "the prompt showed a filled-in predict built from the constants",
    "strip_usage": "the harness deleted demo lines after predict",
    "invert_ranking": "the harness wrapped predict to return 1 - p",
    "unused_columns": "the feedback named a left-out column and the term to add",
    "error_region": "the feedback named an error region and the line to add",
}


def enabled_aids(level: str, aids: list[str] | None, without: list[str]) -> tuple[str, ...]:
    """The aids a run uses: ``aids`` (None: the level's) less ``without``, in ``AIDS`` order."""
    chosen = set(LEVELS[level] if aids is None else aids) - set(without)
    return tuple(aid for aid in AIDS if aid in chosen)


def scaffold_name(level: str, aids: list[str] | None, without: list[str]) -> str:
    """The level as reports show it: ``full``, ``full-error_region``, or ``custom`` for an explicit set."""
    if aids is not None:
        return "custom" if set(aids) != set(LEVELS[level]) or without else level
    return level + "".join(f"-{aid}" for aid in AIDS if aid in without and aid in LEVELS[level])
