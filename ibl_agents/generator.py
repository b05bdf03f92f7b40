"""The generator agent: a fresh prompt each iteration, never a growing chat history.

A growing history made the bundled small model worse (the same NameError four times, observed here), so
every prompt is rebuilt. Three kinds: the full prompt (task, contract, constants, a budgeted sample of
train rows, and feedback when there is no valid code yet), the revise prompt (the best code so far, its
score and what to change) and the fix prompt (a failed candidate and its exact error).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import pandas as pd
from langchain_core.language_models import BaseChatModel

from ibl_agents.chat import ModelReply, ask_for_code
from ibl_agents.columns_read import is_stated_assignment
from ibl_agents.contract import ALLOWED_IMPORTS
from ibl_agents.dataset import Dataset
from ibl_agents.extraction import drop_example_usage, extract_code
from ibl_agents.prompting import render
from ibl_agents.serialize import describe_columns, sample_task_rows
from ibl_agents.task_prompts import generator_parts
from ibl_agents.tasks import shown_score
from ibl_agents.token_count import count_tokens
from ibl_agents.train_statistics import train_constants_text

# A constants block this long, copied into the reply, takes most of a small model's reply budget: on the
# 30-column Titanic table (~1150 tokens of constants) the 1.5B model's one-shot reply was cut off after
# copying them, before `predict`. Such prompts ask it not to copy (short blocks cost little either way).
LONG_CONSTANTS_TOKENS = 300
NO_COPY = "; do not copy them into your reply, which would be cut off before `predict`"


@dataclass(frozen=True)
class BestSoFar:
    code: str
    score: float  # the selection score (higher is better)
    metric: str  # the selection metric


def generator_prompt(
    dataset: Dataset,
    train_rows: list[int],
    *,
    token_budget: int,
    seed: int,
    feedback: str,
    constants: str,
) -> str:
    """Render the full generator prompt from train rows only; the data sample fills what the budget leaves.

    ``constants`` is ``train_constants(dataset, train_rows)``, computed once by the caller, which also
    hands it to ``generate`` to define whatever the code uses without copying.
    """
    features = dataset.frame.iloc[train_rows].reset_index(drop=True)
    labels = dataset.y.iloc[train_rows].reset_index(drop=True)
    feedback_section = render("generator_feedback", feedback=feedback.strip()) if feedback.strip() else ""
    fixed = {
        "target": dataset.target,
        "n_features": len(dataset.features),
        "columns": describe_columns(features),
        "allowed_imports": ", ".join(sorted(ALLOWED_IMPORTS)),
        "class_stats": constants,
        "no_copy": NO_COPY if count_tokens(constants) > LONG_CONSTANTS_TOKENS else "",
        "feedback_section": feedback_section,
        **generator_parts(dataset, _example_column(features)),
    }
    overhead = count_tokens(render("generator", rows="", n_rows=0, **fixed))
    rows_text, n_rows = sample_task_rows(
        features,
        labels,
        dataset.target,
        dataset.task,
        dataset.classes,
        token_budget=max(200, token_budget - overhead),
        seed=seed,
    )
    return render("generator", rows=rows_text, n_rows=n_rows, **fixed)


def revise_prompt(dataset: Dataset, best: BestSoFar, feedback: str, constants: str) -> str:
    """The prompt that refines the best code so far: that code, its score and what to change.

    In the full prompt (40 rows, then the best code, then the feedback) the 1.5B model returned the best
    code unchanged, even when told which column to add (issue 7); without the rows the change asked for
    is most of what it reads, and the call is faster.
    """
    metric, score = shown_score(best.metric, best.score)
    return render(
        "generator_revise",
        **_focused_values(dataset),
        class_stats=constants,
        metric=metric,
        best_score=f"{score:.3f}",
        best_code=without_stated_constants(best.code),
        feedback=feedback.strip() or f"Raise the validation {metric}.",
    )


def fix_prompt(dataset: Dataset, code: str, error: str) -> str:
    """The focused prompt for a candidate that failed to run: its code and the exact error, nothing else.

    Asked to rewrite after a failure, the 1.5B model usually wrote a new program with a new error (issue 7:
    most refinements after a valid first candidate failed); a small model fixes a named error in code it
    is shown far more reliably than it writes a whole program again.
    """
    return render(
        "generator_fix", **_focused_values(dataset), code=without_stated_constants(code), error=error.strip()
    )


def without_stated_constants(code: str) -> str:
    """``code`` without its assignments of the prompt's constants (module level or, as the 1.5B model
    also wrote them, inside ``predict``), which the loop defines anyway (``add_missing_constants``): shown
    again inside the revise and fix prompts they doubled a wide table's prompt and were copied once more."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code.strip()
    lines = code.split("\n")
    drop = {
        line
        for node in ast.walk(tree)
        if is_stated_assignment(node)
        for line in range(node.lineno - 1, node.end_lineno or node.lineno)
    }
    return "\n".join(line for index, line in enumerate(lines) if index not in drop).strip()


def _focused_values(dataset: Dataset) -> dict[str, str]:
    """What the revise and fix prompts say of the task and the contract, without the row sample."""
    parts = generator_parts(dataset, dataset.features[0])
    return {
        "intro": parts["intro"],
        "returns": parts["returns"],
        "target": dataset.target,
        "column_names": ", ".join(dataset.features),
        "allowed_imports": ", ".join(sorted(ALLOWED_IMPORTS)),
    }


def _example_column(features: pd.DataFrame) -> str:
    """The column the prompt's example term uses: the first numeric one, since SPREAD covers only those."""
    numeric = features.select_dtypes(include="number").columns
    return str(numeric[0] if len(numeric) else features.columns[0])


def train_constants(dataset: Dataset, train_rows: list[int]) -> str:
    """The statistics of the train rows as Python constants (``train_statistics``): shown in the prompt,
    and defined for the code model (see ``add_missing_constants``)."""
    features = dataset.frame.iloc[train_rows].reset_index(drop=True)
    labels = dataset.y.iloc[train_rows].reset_index(drop=True)
    return train_constants_text(features, labels, dataset.target, dataset.task, dataset.classes)


def add_missing_constants(code: str, constants: str) -> str:
    """Define the prompt's constants the code uses but forgot to copy (a NameError the 1.5B model made in
    most replies). They come from train rows only, and keep ``best_model.py`` standalone."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    used = {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    missing = [line for line in constants.splitlines() if line.split(" = ", 1)[0] in used - assigned]
    if not missing:
        return code
    lines = code.split("\n")
    insert_at = max(
        (node.end_lineno or 0 for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))),
        default=0,
    )
    return "\n".join([*lines[:insert_at], "", *missing, *lines[insert_at:]])


def generate(
    model: BaseChatModel, prompt: str, constants: str, *, reask: bool = True
) -> tuple[ModelReply, str | None, list[int]]:
    """One generation: the reply, the cleaned code (None when there is none) and demo lines dropped."""
    reply, code = ask_for_code(model, prompt, extract_code, reask=reask)
    if code is None:
        return reply, None, []
    cleaned, removed = drop_example_usage(code)
    return reply, add_missing_constants(cleaned, constants), removed
