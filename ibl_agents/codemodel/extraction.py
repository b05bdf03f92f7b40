"""Getting Python source out of an LLM reply.

Many of the IBL paper's "import errors" were replies wrapped in prose and markdown fences: the harness ran
the whole reply. We take the fenced block that defines ``predict`` (or the last one), tolerate a missing
closing fence (truncated reply), and for bare replies drop leading and trailing prose until it parses.
"""

from __future__ import annotations

import ast
import re

from ibl_agents.codemodel.contract import called_name

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)
_CODE_START = re.compile(r"^(import |from |def |class |@|#|[A-Za-z_]\w*\s*=)")


def extract_code(reply: str) -> str | None:
    """Return the code model source in ``reply``, or None when there is none."""
    text = reply.replace("\r\n", "\n").strip()
    if not text:
        return None
    blocks = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "python", "py", "python3")]
    if blocks:
        with_predict = [b for b in blocks if re.search(r"^\s*def\s+predict\s*\(", b, re.MULTILINE)]
        chosen = with_predict[-1] if with_predict else blocks[-1]
        return chosen.strip("\n") + "\n" if chosen.strip() else None
    return _bare_code(text)


def _bare_code(text: str) -> str | None:
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    body = lines[start:]
    for end in range(len(body), 0, -1):
        candidate = "\n".join(body[:end]).rstrip()
        if parses(candidate):
            return candidate + "\n"
    return "\n".join(body).rstrip() + "\n"


def parses(source: str) -> bool:
    """Whether ``source`` is valid Python (a reply cut off inside its code is not)."""
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


_EXAMPLE_CALLS = frozenset({"DataFrame", "read_csv", "print", "predict"})


def drop_example_usage(source: str) -> tuple[str, list[int]]:
    """Remove top-level demo code (``print(predict(df))``, a hand-made DataFrame, ``__main__`` blocks).

    Small models append "example usage" that runs at import and crashes on data it invented; it is never
    part of the model. Imports, definitions and constant assignments stay. Returns the cleaned source and
    the 1-based line numbers removed (empty when nothing was). Unparseable source is returned unchanged.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, []
    lines = source.split("\n")
    removed: list[int] = []
    for index, node in enumerate(tree.body):
        if _is_example(node, is_first=index == 0):
            removed.extend(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    if not removed:
        return source, []
    drop = set(removed)
    kept = [line for number, line in enumerate(lines, start=1) if number not in drop]
    return "\n".join(kept).rstrip() + "\n", removed


def _is_example(node: ast.stmt, *, is_first: bool) -> bool:
    if isinstance(node, ast.Expr):
        return not (is_first and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
    if isinstance(node, ast.If):
        return "__name__" in ast.unparse(node.test)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.While, ast.With)):
        called = {called_name(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        return bool(called & _EXAMPLE_CALLS)
    return False
