"""Prompts are data: text templates in ``prompts/`` rendered by one strict renderer.

A template that mentions a variable the caller did not pass fails loudly instead of shipping ``${x}`` to
the model; passing a variable the template does not use fails too, so templates and callers stay in step.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from string import Template

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@cache
def load_template(name: str) -> str:
    return (files("ibl_agents") / "prompts" / f"{name}.txt").read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Render template ``name`` with exactly the variables it names."""
    text = load_template(name)
    wanted = set(_PLACEHOLDER.findall(text))
    missing, extra = wanted - set(values), set(values) - wanted
    if missing or extra:
        raise KeyError(f"template {name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return Template(text).substitute({k: str(v) for k, v in values.items()})
