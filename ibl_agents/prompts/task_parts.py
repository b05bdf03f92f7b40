"""The task-specific parts of the generator and critic prompts, from ``prompts/task_<task>.txt``.

The generator prompt (``prompts/generator.txt``) is the same for every task except its ``intro`` (what is
predicted), the contract clause saying what ``predict`` ``returns``, and the ``example`` shape; the critic
prompt differs in what the target means and what predict returns. Each task file holds those sections, so
the contract's shared clauses are written once and each task's wording sits in one file.
"""

from __future__ import annotations

from ibl_agents.code_text import comment_text
from ibl_agents.data.dataset import Dataset
from ibl_agents.prompts.templates import render_section

GENERATOR_PARTS = ("intro", "returns", "example")


def _values(dataset: Dataset, first_feature: str) -> dict[str, object]:
    # The example is code: its column is a literal, and the target's name sits there in a comment.
    values: dict[str, object] = {"target": dataset.target, "first_feature": repr(first_feature)}
    if dataset.task == "binary":
        values.update(positive_label=dataset.positive_label, negative_label=dataset.negative_label)
    if dataset.task == "multiclass":
        classes = dataset.classes
        values.update(n_classes=len(classes), class_list=", ".join(classes))
    return values


def generator_parts(dataset: Dataset, first_feature: str) -> dict[str, str]:
    """``intro``, ``returns`` and ``example`` of the generator prompt; ``first_feature`` is the column
    the example term uses."""
    values = _values(dataset, first_feature)
    in_code = {**values, "target": comment_text(dataset.target)}
    return {
        part: render_section(f"task_{dataset.task}", part, in_code if part == "example" else values)
        for part in GENERATOR_PARTS
    }


def critic_parts(dataset: Dataset) -> dict[str, str]:
    """``target_note`` (what the target means) and ``returns`` of the critic prompt."""
    values = _values(dataset, "")
    name = f"task_{dataset.task}"
    return {
        "target_note": render_section(name, "critic_target", values),
        "returns": render_section(name, "critic_returns", values),
    }
