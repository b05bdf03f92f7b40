"""Which dataset columns a code model reads, found in its source without running it.

The columns a program reads say which rules it learned; ``agreement.column_overlap`` compares them across
replicates. A column counts as read when the source
- names it in a string literal: ``df["age"]``, ``df[["a", "b"]]``, ``df.get("x")``, ``df.loc[:, "a"]``,
  ``row["age"]`` in an ``iterrows`` loop, ``FEATURES = ["a", "b"]`` or a ``{"age": 0.3}`` weight table;
- or reaches it as an attribute, ``df.age`` or ``row.age``, unless pandas would return something else
  under that name (``df.values`` is the array, never a column called "values") or the object is an
  imported module (``np.sin``).
Literals inside a ``.drop(...)`` call are not reads: dropping a column is the opposite.

Why literals and not only accesses on the ``df`` parameter: code models reach columns through copies
(``data = df.copy()``), rows, and lists or dicts of names; tracing data flow through all that is fragile,
while a literal equal to a column name is almost always a read (``contract`` spots target reads the same
way). Limits: names built at run time (f-strings, ``df.columns[i]``, ``iloc`` positions) and whole-frame
arithmetic (``df.values @ w``) are not attributed to columns, and a name in dead code still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

import pandas as pd

from ibl_agents.codemodel.contract import called_name
from ibl_agents.prompts.constants import STATED_CONSTANTS


def columns_read(source: str, columns: Iterable[str]) -> set[str]:
    """The subset of ``columns`` that ``source`` reads. Raises SyntaxError when the source does not parse
    (every scored code model does)."""
    tree = ast.parse(source)
    dropped = _dropped_literals(tree)
    modules = _imported_names(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in dropped:
            found.add(node.value)
        elif isinstance(node, ast.Attribute) and _may_be_column(node, modules):
            found.add(node.attr)
    return found & {str(column) for column in columns}


def _dropped_literals(tree: ast.Module) -> set[int]:
    """Ids of every node inside the arguments of a ``.drop(...)`` call."""
    dropped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called_name(node.func) == "drop":
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            dropped.update(id(inner) for argument in arguments for inner in ast.walk(argument))
    return dropped


def _imported_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _may_be_column(node: ast.Attribute, modules: set[str]) -> bool:
    """A read ``obj.name`` that pandas resolves to a column: not a method or property, not a module's."""
    on_module = isinstance(node.value, ast.Name) and node.value.id in modules
    pandas_attribute = hasattr(pd.DataFrame, node.attr) or hasattr(pd.Series, node.attr)
    return isinstance(node.ctx, ast.Load) and not on_module and not pandas_attribute


def columns_used(source: str, columns: Iterable[str]) -> set[str]:
    """The subset of ``columns`` that ``source`` uses, not counting the keys of the prompt's stated
    constants (``MIDPOINT = {'age': ...}``), which name every column whether the code uses it or not.

    A stated constant used whole (iterated, ``.items()``, passed on) rather than subscripted by a column
    name uses every column it holds. Raises SyntaxError when the source does not parse.
    """
    names = set(STATED_CONSTANTS)
    own = ast.fix_missing_locations(_WithoutStatedConstants().visit(ast.parse(source)))
    subscripted = {
        id(node.value)
        for node in ast.walk(own)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
    }
    whole = any(
        isinstance(node, ast.Name) and node.id in names and id(node) not in subscripted
        for node in ast.walk(own)
    )
    wanted = {str(column) for column in columns}
    return wanted if whole else columns_read(ast.unparse(own), wanted)


POSITIONAL = frozenset({"iloc", "iat", "to_numpy", "columns", "select_dtypes", "itertuples"})


def reads_by_position(source: str) -> bool:
    """Whether ``source`` may reach columns without naming them (``df.iloc[:, 2]``, ``df.values @ w``,
    ``for c in df.columns``): then a column it does not name may still be one it uses."""
    tree = ast.parse(source)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return any(
        isinstance(node, ast.Attribute)
        and (node.attr in POSITIONAL or (node.attr == "values" and id(node) not in called))
        for node in ast.walk(tree)
    )


def is_stated_assignment(node: ast.AST) -> bool:
    """Whether ``node`` assigns the prompt's stated constants (``MIDPOINT = {...}``) and nothing else."""
    return isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id in STATED_CONSTANTS for target in node.targets
    )


class _WithoutStatedConstants(ast.NodeTransformer):
    """Drops stated-constant assignments at any depth: the 1.5B model also copied them into predict."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if not isinstance(node, ast.Module) and getattr(node, "body", None) == []:
            node.body.append(ast.Pass())  # a function that held only the constants stays valid
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST | None:
        return None if is_stated_assignment(node) else node
