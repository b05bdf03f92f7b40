"""Prompts are data: text templates in ``prompts/`` rendered by one strict renderer.

A template that mentions a variable the caller did not pass fails loudly instead of shipping ``${x}`` to
the model; passing a variable the template does not use fails too, so templates and callers stay in step.

The parts of the prompts that depend on the task live in one file per task (``task_binary.txt``, ...),
as sections: a line ``--- name ---`` starts the section ``name``, which runs to the next such line. A
section takes the variables it names from one mapping of the task's values (sections of one task need
different ones); one it names but the mapping lacks still fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from string import Template

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_SECTION = re.compile(r"^--- (\w+) ---\n", re.MULTILINE)


@cache
def load_template(name: str) -> str:
    return (files("ibl_agents.prompts") / f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Render template ``name`` with exactly the variables it names."""
    return _substitute(name, load_template(name), values)


def render_section(name: str, section: str, values: Mapping[str, object]) -> str:
    """Render section ``section`` of the sectioned template ``name`` with the variables it names, taken
    from ``values``."""
    sections = _sections(name)
    if section not in sections:
        raise KeyError(f"template {name!r} has no section {section!r}; it has {sorted(sections)}")
    text = sections[section]
    wanted = set(_PLACEHOLDER.findall(text))
    return _substitute(f"{name}/{section}", text, {k: v for k, v in values.items() if k in wanted})


@cache
def _sections(name: str) -> dict[str, str]:
    parts = _SECTION.split(load_template(name))  # [text before the first, name, body, name, body, ...]
    return {part: body.removesuffix("\n") for part, body in zip(parts[1::2], parts[2::2], strict=True)}


def _substitute(name: str, text: str, values: Mapping[str, object]) -> str:
    wanted = set(_PLACEHOLDER.findall(text))
    missing, extra = wanted - set(values), set(values) - wanted
    if missing or extra:
        raise KeyError(f"template {name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return Template(text).substitute({k: str(v) for k, v in values.items()})
