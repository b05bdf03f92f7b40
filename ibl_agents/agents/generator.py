"""The generator agent: a fresh prompt each iteration, never a growing chat history.

A growing history made the bundled small model worse (the same NameError four times, observed here), so
every prompt is rebuilt. Three kinds: the full prompt (task, contract, constants, a budgeted sample of
train rows, and feedback when there is no valid code yet), the revise prompt (the best code so far, its
score and what to change) and the fix prompt (a failed candidate and its exact error).

What the prompts hand over, and what ``generate`` does to a reply, follows the run's scaffold aids
(``ibl_agents.scaffold``): at ``bare`` the first prompt is the task, the rows and one sentence of contract,
and the reply's code is kept as extracted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import pandas as pd
from langchain_core.language_models import BaseChatModel

from ibl_agents.codemodel.columns import is_stated_assignment
from ibl_agents.codemodel.contract import ALLOWED_IMPORTS
from ibl_agents.codemodel.extraction import drop_example_usage, extract_code, parses
from ibl_agents.config import CutOffPolicy, RefineConfig
from ibl_agents.data.dataset import Dataset
from ibl_agents.errors import DataError
from ibl_agents.loop.strategy import PromptKind
from ibl_agents.models.chat import ModelReply, ask_for_code
from ibl_agents.models.token_count import count_tokens
from ibl_agents.prompts.constants import train_constants_text
from ibl_agents.prompts.rows import describe_columns, sample_task_rows
from ibl_agents.prompts.task_parts import generator_parts
from ibl_agents.prompts.templates import render, render_section
from ibl_agents.scaffold import AIDS
from ibl_agents.tasks import shown_score

# A constants block this long, copied into the reply, takes most of a small model's reply budget: on the
# 30-column Titanic table (~1150 tokens of constants) the 1.5B model's one-shot reply was cut off after
# copying them, before `predict`. Such prompts ask it not to copy (short blocks cost little either way).
LONG_CONSTANTS_TOKENS = 300
NO_COPY = "; do not copy them into your reply, which would be cut off before `predict`"
# Asked once after a reply the reply cap cut off inside its code (held-out circles replies ran 600+
# tokens of docstrings and comments into the cap, and the fix prompt then drew the same fragment again).
SHORTER_CODE = (
    "\n\nYour previous reply reached the length limit before the code was complete. Reply with shorter "
    "code: one ```python code block, no docstrings, no comments, no explanation."
)
# The scaffold aids each kind of prompt can state (those of them the run enables are what it shows).
STATED_BY_PROMPT: dict[str, tuple[str, ...]] = {
    "first": ("contract", "constants", "example_shape"),
    "revise": ("contract", "constants"),
    "fix": ("contract",),
}
# Marks the constant definitions ``add_missing_constants`` inserts, in every candidate and best_model.py.
HARNESS_CONSTANTS_MARK = (
    "# Defined by ibl-agents from the train rows (scaffold aid `constants`), not written by the LLM:"
)


@dataclass(frozen=True)
class BestSoFar:
    code: str
    score: float  # the selection score (higher is better)
    metric: str  # the selection metric


def generator_prompt(dataset: Dataset, train_rows: list[int], **options: Any) -> str:
    """The full generator prompt: ``generator_prompt_and_rows`` (same keywords) without the row count."""
    return generator_prompt_and_rows(dataset, train_rows, **options)[0]


@dataclass(frozen=True)
class NextPrompt:
    """The next generator prompt, which kind it is, and the train rows it shows (None: revise and fix
    prompts show no rows)."""

    text: str
    kind: PromptKind
    rows_shown: int | None

    def stated_aids(self, aids: tuple[str, ...]) -> list[str]:
        """The aids of ``aids`` (the loop's) that this kind of prompt states."""
        return [aid for aid in aids if aid in STATED_BY_PROMPT[self.kind]]


def next_prompt(
    dataset: Dataset,
    train_rows: list[int],
    config: RefineConfig,
    iteration: int,
    constants: str,
    feedback: str,
    failed_code: str | None,
    best: BestSoFar | None,
) -> NextPrompt:
    """A fix of ``failed_code`` with its error, a revision of ``best``, or the full prompt (rows in an
    order seeded by the iteration), in that order of precedence."""
    aids = config.loop.enabled_aids
    if failed_code is not None:
        return NextPrompt(fix_prompt(dataset, failed_code, feedback, aids), "fix", None)
    if best is not None:
        return NextPrompt(revise_prompt(dataset, best, feedback, constants, aids), "revise", None)
    text, rows = generator_prompt_and_rows(
        dataset,
        train_rows,
        token_budget=config.prompt_budget,
        seed=config.data.seed + iteration,
        feedback=feedback,
        constants=constants,
        aids=aids,
        show_rows=config.loop.show_rows,
    )
    return NextPrompt(text, "first", rows)


OVERFLOW_MARGIN = 1.1  # token counts of a prompt and of its parts differ by a few tokens: not an overflow


def check_prompt_fits(dataset: Dataset, train_rows: list[int], config: RefineConfig) -> None:
    """Refuse a table whose first prompt overflows the prompt budget, before any model call (5,000
    columns made a 559 kB prompt against a 3,160-token budget, silently). The rows are sampled to fit
    what the rest leaves; the columns cannot be: the contract names each of them."""
    constants = train_constants(dataset, train_rows)
    prompt = next_prompt(dataset, train_rows, config, 1, constants, "", failed_code=None, best=None)
    used = count_tokens(prompt.text)
    if used <= config.prompt_budget * OVERFLOW_MARGIN:
        return
    raise DataError(
        f"the generator prompt for these {len(dataset.features)} columns needs ~{used} tokens with"
        f" {prompt.rows_shown} rows, more than its budget of {config.prompt_budget}; drop columns with"
        " --drop-columns, or raise loop.prompt_tokens / models.context_tokens if the model's context allows"
    )


def generator_prompt_and_rows(
    dataset: Dataset,
    train_rows: list[int],
    *,
    token_budget: int,
    seed: int,
    feedback: str,
    constants: str,
    aids: tuple[str, ...] = AIDS,
    show_rows: bool = True,
) -> tuple[str, int]:
    """Render the full generator prompt from train rows only; the data sample fills what the budget leaves.
    Returns the prompt and the number of train rows it shows (the paper's protocol shows all of them).

    ``constants`` is ``train_constants(dataset, train_rows)``, computed once by the caller, which also
    hands it to ``generate`` to define whatever the code uses without copying. Without the ``contract``
    aid the prompt is the paper's bare one; ``show_rows`` False (the zero-row arm) replaces the rows by the
    columns' names, types and ranges.
    """
    features = dataset.frame.iloc[train_rows].reset_index(drop=True)
    labels = dataset.y.iloc[train_rows].reset_index(drop=True)
    feedback_section = render("generator_feedback", feedback=feedback.strip()) if feedback.strip() else ""
    parts = generator_parts(dataset, _example_column(features))
    if "contract" in aids:
        template = "generator"
        fixed = {
            "target": dataset.target,
            "n_features": len(dataset.features),
            "columns": describe_columns(features),
            "allowed_imports": ", ".join(sorted(ALLOWED_IMPORTS)),
            "aids": _prompt_aids(constants, parts["example"], aids),
            "feedback_section": feedback_section,
            "intro": parts["intro"],
            "returns": parts["returns"],
        }
    else:
        template = "generator_bare"
        fixed = {"target": dataset.target, "intro": parts["intro"], "returns": parts["returns"]}
        fixed["feedback_section"] = feedback_section
        if not show_rows:
            columns = {"n_features": len(dataset.features), "columns": describe_columns(features)}
            return render(template, data=render_section("generator_aids", "no_rows", columns), **fixed), 0

    def rendered(rows: str, n_rows: int) -> str:
        if template == "generator":
            return render(template, rows=rows, n_rows=n_rows, **fixed)
        data = render_section("generator_aids", "rows", {"rows": rows, "n_rows": n_rows})
        return render(template, data=data, **fixed)

    overhead = count_tokens(rendered("", 0))
    rows_text, n_rows = sample_task_rows(
        features,
        labels,
        dataset.target,
        dataset.task,
        dataset.classes,
        token_budget=max(200, token_budget - overhead),
        seed=seed,
    )
    return rendered(rows_text, n_rows), n_rows


def _prompt_aids(constants: str, example: str, aids: tuple[str, ...]) -> str:
    """The constants block and the example shape, each only when its aid is on."""
    sections = []
    if "constants" in aids:
        no_copy = NO_COPY if count_tokens(constants) > LONG_CONSTANTS_TOKENS else ""
        sections.append(
            render_section("generator_aids", "constants", {"class_stats": constants, "no_copy": no_copy})
        )
    if "example_shape" in aids:
        sections.append(render_section("generator_aids", "example", {"example": example}))
    return "".join(section + "\n" for section in sections)


def revise_prompt(
    dataset: Dataset, best: BestSoFar, feedback: str, constants: str, aids: tuple[str, ...] = AIDS
) -> str:
    """The prompt that refines the best code so far: that code, its score and what to change.

    In the full prompt (40 rows, then the best code, then the feedback) the 1.5B model returned the best
    code unchanged, even when told which column to add (issue 7); without the rows the change asked for
    is most of what it reads, and the call is faster.
    """
    metric, score = shown_score(best.metric, best.score)
    values = _focused_values(dataset)
    contract = "revise_contract" if "contract" in aids else "revise_contract_bare"
    stats = (
        render_section("generator_aids", "revise_constants", {"class_stats": constants}) + "\n"
        if "constants" in aids
        else ""
    )
    return render(
        "generator_revise",
        intro=values["intro"],
        contract=render_section("generator_aids", contract, values),
        constants_section=stats,
        metric=metric,
        best_score=f"{score:.3f}",
        best_code=without_stated_constants(best.code) if "constants" in aids else best.code.strip(),
        feedback=feedback.strip() or f"Raise the validation {metric}.",
    )


def fix_prompt(dataset: Dataset, code: str, error: str, aids: tuple[str, ...] = AIDS) -> str:
    """The focused prompt for a candidate that failed to run: its code and the exact error, nothing else.

    Asked to rewrite after a failure, the 1.5B model usually wrote a new program with a new error (issue 7:
    most refinements after a valid first candidate failed); a small model fixes a named error in code it
    is shown far more reliably than it writes a whole program again.
    """
    values = _focused_values(dataset)
    contract = "fix_contract" if "contract" in aids else "fix_contract_bare"
    return render(
        "generator_fix",
        intro=values["intro"],
        target=values["target"],
        column_names=values["column_names"],
        contract=render_section("generator_aids", contract, values),
        code=without_stated_constants(code) if "constants" in aids else code.strip(),
        error=error.strip(),
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
    kept = [line for index, line in enumerate(lines) if index not in drop and line != HARNESS_CONSTANTS_MARK]
    return "\n".join(kept).strip()


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


def add_missing_constants(code: str, constants: str) -> tuple[str, list[str]]:
    """Define the prompt's constants the code uses but forgot to copy (a NameError the 1.5B model made in
    most replies); returns the code and the names defined. They come from train rows only, keep
    ``best_model.py`` standalone, and follow a comment saying the harness, not the LLM, wrote them."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
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
        return code, []
    lines = code.split("\n")
    insert_at = max(
        (node.end_lineno or 0 for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))),
        default=0,
    )
    completed = "\n".join([*lines[:insert_at], "", HARNESS_CONSTANTS_MARK, *missing, *lines[insert_at:]])
    return completed, [line.split(" = ", 1)[0] for line in missing]


@dataclass(frozen=True)
class Generation:
    """One generation: the reply, the code that will run (None: the reply had none) and what the harness
    did to it on the way (scaffold aids ``strip_usage`` and ``constants``)."""

    reply: ModelReply
    code: str | None
    removed_lines: list[int]  # 1-based lines of demo code deleted (strip_usage)
    defined_constants: list[str]  # names of prompt constants the harness defined for the code
    cut_off: bool = False  # the reply cap cut its code short (scored reply_cut_off, never run)

    @property
    def aids_fired(self) -> list[str]:
        done = (("strip_usage", self.removed_lines), ("constants_defined", self.defined_constants))
        return [name for name, fired in done if fired]


def generate(
    model: BaseChatModel,
    prompt: str,
    constants: str,
    *,
    reask: bool = True,
    aids: tuple[str, ...] = AIDS,
    cut_off: CutOffPolicy = "shorter",
) -> Generation:
    """Ask for code, then apply the enabled aids that touch it: demo lines out, missing constants in.

    A reply the reply cap cut off inside its code is not the model's syntax error. With ``cut_off``
    "shorter" it is asked once more for shorter code (when re-asks are allowed: not in one-shot), and a
    reply still cut off is marked so that it is scored as ``reply_cut_off``; "score" keeps the fragment
    as code, as runs did before (a syntax error, which the loop may then ask to fix).
    """
    reply, code = ask_for_code(model, prompt, extract_code, reask=reask)
    if cut_off == "shorter" and reask and _incomplete(reply, code):
        again, code = ask_for_code(model, prompt + SHORTER_CODE, extract_code, reask=False)
        reply = ModelReply.combined([reply, again])
    if code is None:
        return Generation(reply, None, [], [], cut_off=cut_off == "shorter" and reply.cut_off)
    if cut_off == "shorter" and _incomplete(reply, code):
        return Generation(reply, code, [], [], cut_off=True)
    removed: list[int] = []
    if "strip_usage" in aids:
        code, removed = drop_example_usage(code)
    defined: list[str] = []
    if "constants" in aids:
        code, defined = add_missing_constants(code, constants)
    return Generation(reply, code, removed, defined)


def _incomplete(reply: ModelReply, code: str | None) -> bool:
    """The reply stopped at the cap before its code was whole (prose cut after whole code is fine)."""
    return reply.cut_off and (code is None or not parses(code))
