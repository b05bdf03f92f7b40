"""Getting Python source out of an LLM reply.

Many of the IBL paper's "import errors" were replies wrapped in prose and markdown fences: the harness ran
the whole reply. We take the fenced block that defines ``predict`` (or the last one), tolerate a missing
closing fence (truncated reply), and for bare replies drop leading and trailing prose until it parses.
"""

from __future__ import annotations

import ast
import re

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
        if _parses(candidate):
            return candidate + "\n"
    return "\n".join(body).rstrip() + "\n"


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True
