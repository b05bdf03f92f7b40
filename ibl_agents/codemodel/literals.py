"""The data a code model's source writes out as literals, found with ``ast`` without running it.

``memorisation`` compares these literals with the train rows to tell copied data from learned rules.
Three shapes can carry data:
- groups, literals written together that may describe one row: the scalars of one list, tuple or set
  literal (``[22.0, 7.25, 3]``); a dict keyed by strings, some of them column names (``{"age": 22,
  "fare": 7.25}``, other keys ignored; a dict of column lists, ``{"age": [22, 38], ...}``, gives one group
  per position); the equality tests of one
  condition (``row["age"] == 22 and row["fare"] == 7.25``);
- keyed literals, a key written beside the outcome it maps to: dict entries whose keys are not column
  names (``{22.0: 1}``, ``{(0.06, 0.2): 0}``), and conditions made of equality (or ``in [...]``) tests
  whose branch returns, assigns or appends a constant (``if``, ``a if c else b``, ``np.where(c, 1, 0)``);
- sequences, lists and tuples made only of scalars (a copied label column is one).
A literal is tied to a column when the code names the column beside it: a dict key, ``row["age"]``,
``row.age``, or a local variable called like the column. Negative numbers are literals; names defined
elsewhere are not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass

from ibl_agents.codemodel.contract import called_name

Scalar = bool | int | float | str
ColumnValue = tuple[str | None, Scalar]  # the column the code ties a literal to (None: unknown), its value


@dataclass(frozen=True)
class LiteralGroup:
    values: tuple[ColumnValue, ...]
    line: int


@dataclass(frozen=True)
class KeyedLiteral:
    key: LiteralGroup
    outcome: Scalar


@dataclass(frozen=True)
class CodeLiterals:
    groups: list[LiteralGroup]
    keyed: list[KeyedLiteral]
    sequences: list[LiteralGroup]  # every value untied to a column, in written order


def code_literals(source: str, columns: Collection[str]) -> CodeLiterals:
    """Literals of ``source`` in the three shapes above. Raises SyntaxError when the source does not parse."""
    names = {str(column) for column in columns}
    found = CodeLiterals([], [], [])
    in_condition: set[int] = set()
    for node in ast.walk(ast.parse(source)):  # breadth first: a condition is met before its parts
        if isinstance(node, ast.Dict):
            _dict(node, names, found)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            scalars = [value for value in map(scalar, node.elts) if value is not None]
            group = LiteralGroup(tuple((None, value) for value in scalars), node.lineno)
            if len(scalars) >= 2:
                found.groups.append(group)
            if scalars and len(scalars) == len(node.elts):
                found.sequences.append(group)
        if isinstance(node, (ast.If, ast.IfExp)):
            outcome = scalar(node.body) if isinstance(node, ast.IfExp) else _branch_constant(node.body)
            found.keyed.extend(_keyed_by_test(node.test, outcome, names))
        elif isinstance(node, ast.Call) and called_name(node.func) == "where" and len(node.args) >= 2:
            found.keyed.extend(_keyed_by_test(node.args[0], scalar(node.args[1]), names))
        if _is_condition(node) and id(node) not in in_condition:
            in_condition.update(id(inner) for inner in ast.walk(node))
            equalities = _equalities(node, names)
            if equalities:
                found.groups.append(LiteralGroup(tuple(equalities), node.lineno))
    return found


def scalar(node: ast.AST) -> Scalar | None:
    """The value of a literal number, string or bool (``-0.46`` included), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = node.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            return -inner.value if isinstance(node.op, ast.USub) else inner.value
    return None


def _dict(node: ast.Dict, names: set[str], found: CodeLiterals) -> None:
    keys = [None if key is None else scalar(key) for key in node.keys]
    if all(isinstance(key, str) for key in keys) and any(key in names for key in keys):
        named = [(str(key), value) for key, value in zip(keys, node.values, strict=True) if key in names]
        _add_group(found.groups, [(column, scalar(value)) for column, value in named], node.lineno)
        lists = [(column, value.elts) for column, value in named if isinstance(value, (ast.List, ast.Tuple))]
        for position in range(max((len(elts) for _, elts in lists), default=0)):
            cells = [(column, scalar(elts[position])) for column, elts in lists if position < len(elts)]
            _add_group(found.groups, cells, node.lineno)
        return
    for key, value in zip(node.keys, node.values, strict=True):
        outcome = scalar(value)
        parts = key.elts if isinstance(key, ast.Tuple) else [key] if key is not None else []
        written = [scalar(part) for part in parts]
        if outcome is not None and written and all(p is not None and p not in names for p in written):
            key_group = LiteralGroup(tuple((None, p) for p in written if p is not None), parts[0].lineno)
            found.keyed.append(KeyedLiteral(key_group, outcome))


def _add_group(groups: list[LiteralGroup], values: list[tuple[str | None, Scalar | None]], line: int) -> None:
    kept = tuple((column, value) for column, value in values if value is not None)
    if kept:
        groups.append(LiteralGroup(kept, line))


def _branch_constant(body: list[ast.stmt]) -> Scalar | None:
    """The constant a branch produces: ``return 1``, ``y = 0.9`` or ``output.append(0)``, first one wins."""
    for statement in body:
        if isinstance(statement, (ast.Return, ast.Assign)) and statement.value is not None:
            value = scalar(statement.value)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            is_append = called_name(call.func) == "append" and len(call.args) == 1
            value = scalar(call.args[0]) if is_append else None
        else:
            continue
        if value is not None:
            return value
    return None


def _keyed_by_test(test: ast.expr, outcome: Scalar | None, names: set[str]) -> list[KeyedLiteral]:
    """One keyed literal per row the test pins down: its equalities, with each member of one ``in``."""
    if outcome is None:
        return []
    equalities = _equalities(test, names)
    memberships = _memberships(test, names)
    if len(memberships) != 1:
        keys = [equalities] if equalities else []
    else:
        column, members = memberships[0]
        keys = [[*equalities, (column, member)] for member in members]
    return [KeyedLiteral(LiteralGroup(tuple(key), test.lineno), outcome) for key in keys]


def _is_condition(node: ast.AST) -> bool:
    bitwise = isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr))
    return bitwise or isinstance(node, (ast.BoolOp, ast.Compare))


def _equalities(test: ast.expr, names: set[str]) -> list[ColumnValue]:
    """``column == literal`` tests anywhere inside ``test`` (either side order)."""
    found: list[ColumnValue] = []
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            left, right = node.left, node.comparators[0]
            value, other = (scalar(right), left) if scalar(right) is not None else (scalar(left), right)
            if value is not None and scalar(other) is None:
                found.append((column_named(other, names), value))
    return found


def _memberships(test: ast.expr, names: set[str]) -> list[tuple[str | None, list[Scalar]]]:
    """``column in [literal, ...]`` tests inside ``test``."""
    found = []
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In):
            box = node.comparators[0]
            members = [scalar(e) for e in box.elts] if isinstance(box, (ast.List, ast.Tuple, ast.Set)) else []
            if members and all(member is not None for member in members):
                found.append((column_named(node.left, names), [m for m in members if m is not None]))
    return found


def column_named(node: ast.expr, names: set[str]) -> str | None:
    """The column an expression reads: ``row["age"]``, ``row.age`` or a variable ``age``; else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value if node.slice.value in names else None
    if isinstance(node, ast.Attribute):
        return node.attr if node.attr in names else None
    if isinstance(node, ast.Name):
        return node.id if node.id in names else None
    return None
