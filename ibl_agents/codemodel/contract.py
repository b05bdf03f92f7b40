"""The code model's contract, checked statically before anything executes.

Clauses, one gate each, so the critic hears a precise sentence instead of a stack trace:
1. the source parses (``syntax_error``);
2. it defines a module-level ``predict`` taking one positional argument (``contract_error``);
3. it imports only allowed modules (``forbidden_import``): IBL's premise is that the LLM writes the model,
   so machine-learning libraries are refused, as is anything that reaches the system;
4. it does not read files or the target column, which is never in its input (``contract_error``);
5. it draws no random numbers (``contract_error``): a code model must score a row the same way every
   time, or validation would select noise (the 1.5B model "added some noise" with ``np.random.normal``).
These gates are advisory: they make feedback precise and cheap, and idioms that hide an import or a call
from ``ast`` pass them (``__builtins__['__import__']``, ``typing.sys.modules``, ``numpy.ctypeslib``: a
review found 35 of 44 such idioms passing). What holds is the sandbox: its isolation, and the runner's
run-time refusal of any import the candidate's own module makes outside ``ALLOWED_IMPORTS``
(``forbidden_import``, as here), with random numbers seeded the same on every run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from sandbox.results import OutcomeKind

ALLOWED_IMPORTS: frozenset[str] = frozenset(
    {"numpy", "pandas", "math", "statistics", "re", "collections", "itertools", "functools", "typing"}
)
FILE_READERS = frozenset(
    {"open", "read_csv", "read_parquet", "read_excel", "read_json", "loadtxt", "genfromtxt"}
)
DYNAMIC_CALLS = frozenset({"eval", "exec", "compile", "__import__", "globals", "getattr", "setattr"})
# numpy's and pandas' ways to random numbers (the stdlib `random` module is not importable at all)
RANDOM_SOURCES = frozenset({"random", "default_rng", "RandomState", "sample"})


@dataclass(frozen=True)
class ContractViolation:
    kind: OutcomeKind
    message: str


def check_contract(source: str, target: str) -> ContractViolation | None:
    """Return the first violated clause, or None when the source may be executed."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return ContractViolation(OutcomeKind.SYNTAX_ERROR, f"syntax error at line {exc.lineno}: {exc.msg}")
    bad_import = _forbidden_import(tree)
    if bad_import:
        return ContractViolation(
            OutcomeKind.FORBIDDEN_IMPORT,
            f"imports {bad_import!r}; only {', '.join(sorted(ALLOWED_IMPORTS))} may be imported",
        )
    problem = (
        _predict_problem(tree)
        or _forbidden_call(tree)
        or _uses_randomness(tree)
        or _reads_target(tree, target)
    )
    return ContractViolation(OutcomeKind.CONTRACT_ERROR, problem) if problem else None


def _forbidden_import(tree: ast.Module) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or "." * node.level]
        else:
            continue
        for name in names:
            if name.split(".")[0] not in ALLOWED_IMPORTS:
                return name
    return None


def _predict_problem(tree: ast.Module) -> str | None:
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "predict"]
    if not defs:
        return "no module-level function `predict(df)` is defined"
    args = defs[-1].args
    positional = args.posonlyargs + args.args
    required = len(positional) - len(args.defaults)
    if not positional and not args.vararg:
        return "`predict` takes no arguments; it must take the DataFrame `df`"
    if required > 1:
        return f"`predict` requires {required} arguments; it must take exactly one, the DataFrame `df`"
    return None


def _forbidden_call(tree: ast.Module) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = called_name(node.func)
            if name in FILE_READERS:
                return f"calls `{name}`; predict must not read files: the data arrives as the `df` argument"
            if name in DYNAMIC_CALLS:
                return f"calls `{name}`; dynamic code and attribute tricks are not allowed in a code model"
    return None


def _uses_randomness(tree: ast.Module) -> str | None:
    for node in ast.walk(tree):
        used = None
        if isinstance(node, ast.Attribute) and node.attr in RANDOM_SOURCES:
            used = f".{node.attr}"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):  # `from numpy import random`, `numpy.random`
            modules = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            )
            names = [alias.name for alias in node.names] if isinstance(node, ast.ImportFrom) else []
            parts = {part for module in modules for part in module.split(".")[1:]} | set(names)
            used = next((f"import of {name}" for name in sorted(parts & RANDOM_SOURCES)), None)
        if used:
            return (
                f"uses randomness (`{used}`); predict must score the same row the same way every time:"
                " remove the random part"
            )
    return None


def called_name(func: ast.expr) -> str | None:
    """The bare name a call uses: ``open`` for ``open(...)``, ``read_csv`` for ``pd.read_csv(...)``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _reads_target(tree: ast.Module, target: str) -> str | None:
    """The target's name used other than in a comparison, a ``.drop(...)`` or as the column an assignment
    writes: the first two only keep it out (``if col != 'survived'``, which the 1.5B model wrote when
    looping over df.columns), and a written column (``df.loc[mask, 'target'] = 1``, from a rewrite of a
    moons model) holds what the code computed, not the label."""
    harmless: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            keys = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            harmless.update(id(key) for key in keys)
        elif isinstance(node, ast.Compare):  # only the operands themselves: df['survived'] > 0 still reads
            for operand in (node.left, *node.comparators):
                items = operand.elts if isinstance(operand, (ast.List, ast.Tuple, ast.Set)) else [operand]
                harmless.update(id(item) for item in items)
        elif isinstance(node, ast.Call) and called_name(node.func) == "drop":
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            harmless.update(id(inner) for argument in arguments for inner in ast.walk(argument))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value == target and id(node) not in harmless:
            return (
                f"reads the target column {target!r}, which is never in df: predict gets new, unlabeled rows."
                " Compute any statistics from the training rows yourself and write them as constants"
            )
    return None
