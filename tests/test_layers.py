"""The layering of ibl_agents/README.md, checked on every import statement of the source tree.

Imports inside functions count too: a lazy import still makes the importing package depend on the
imported one, it only hides it from start-up time.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("ibl_agents", "graphs", "sandbox")
# The stages of the loop and the research parts beside them: none of them runs the loop.
DOMAIN = {
    "data", "prompts", "models", "agents", "codemodel", "evaluation", "feedback", "loop", "inspection",
    "baselines", "icl", "replicates",
}  # fmt: skip
ABOVE_THE_DOMAIN = {"graphs", "run", "cli", "estimators", "experiment", "report"}


def package_of(module: str) -> str:
    """``ibl_agents.models.local.server`` -> ``models``; a top-level module of ibl_agents (the shared
    vocabulary: errors, config, tasks, ...) -> ``ibl_agents``; ``graphs.*`` -> ``graphs``."""
    parts = module.split(".")
    if parts[0] != "ibl_agents" or len(parts) == 1:
        return parts[0]
    return parts[1] if (ROOT / "ibl_agents" / parts[1]).is_dir() else "ibl_agents"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[str]:
    """Every project module ``path`` imports (``from x import y`` also yields ``x.y``: y may be a module)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in PROJECT)


def edges() -> dict[tuple[str, str], str]:
    """(importing package, imported package) -> one module that does it, for the message."""
    found: dict[tuple[str, str], str] = {}
    for top in PROJECT:
        for path in sorted((ROOT / top).rglob("*.py")):
            source = module_name(path)
            if source == "ibl_agents.__main__":  # the entry point: `python -m ibl_agents` is the CLI
                continue
            for target in imports(path):
                if (ROOT / Path(*target.split("."))).is_dir() or (
                    ROOT / Path(*target.split("."))
                ).with_suffix(".py").is_file():
                    pair = (package_of(source), package_of(target))
                    if pair[0] != pair[1]:
                        found.setdefault(pair, f"{source} imports {target}")
    return found


EDGES = edges()


def test_the_scan_sees_the_imports_it_judges() -> None:
    """A scan that found nothing would pass every rule below."""
    assert ("agents", "prompts") in EDGES
    assert ("run", "graphs") in EDGES
    assert ("graphs", "sandbox") in EDGES


def test_sandbox_imports_nothing_of_the_project() -> None:
    """The sandbox is its own trust boundary: it must not depend on code it judges."""
    assert [why for (source, _), why in EDGES.items() if source == "sandbox"] == []


def test_the_shared_vocabulary_imports_only_itself_and_the_sandbox() -> None:
    offending = [
        why for (source, target), why in EDGES.items() if source == "ibl_agents" and target != "sandbox"
    ]
    assert offending == []


@pytest.mark.parametrize("package", sorted(DOMAIN))
def test_a_stage_never_imports_the_loop_or_what_runs_it(package: str) -> None:
    offending = [
        why for (source, target), why in EDGES.items() if source == package and target in ABOVE_THE_DOMAIN
    ]
    assert offending == []


def test_the_graph_imports_only_the_stages_the_vocabulary_and_the_sandbox() -> None:
    allowed = DOMAIN | {"ibl_agents", "sandbox"}
    assert [
        why for (source, target), why in EDGES.items() if source == "graphs" and target not in allowed
    ] == []


def test_no_two_packages_import_each_other_even_through_others() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in EDGES:
        graph.setdefault(source, set()).add(target)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [found for package in sorted(graph) if (found := cycle_from(package))]
    detail = "; ".join(EDGES[step] for cycle in cycles for step in itertools.pairwise(cycle))
    assert not cycles, f"{[' -> '.join(cycle) for cycle in cycles]}: {detail}"
