"""Strings from a data file or a model, made safe inside Python source the harness writes.

Column names, class labels and the target's name reach ``best_model.py`` (its provenance docstring, the
comments of the constants the harness defines for the code) and the prompt's example code. A name with a
newline, a ``\\x1c`` (one of the line breaks ``str.splitlines`` knows) or ``\"\"\"`` used to end the comment
or the docstring it sat in, and the rest ran as code on the host at ``from best_model import predict``
(issue 17). A string is now written as a literal with ``repr``, or through the functions here, so it can
only be text.
"""

from __future__ import annotations


def comment_text(value: object) -> str:
    """``value`` as text for a ``#`` comment: every character that is not printable (any line break
    included) written as its escape, so the comment cannot end early."""
    return _escaped(str(value), keep="")


def docstring_text(value: object) -> str:
    """``value`` as text inside a triple-quoted docstring: backslashes doubled, quotes escaped, and
    characters that are not printable escaped (a lone ``\\r`` would otherwise hide the line before it)."""
    return _escaped(str(value).replace("\\", "\\\\").replace('"""', '\\"\\"\\"'), keep="\n")


def _escaped(text: str, keep: str) -> str:
    """``text`` with each non-printable character not in ``keep`` written as its escape (``\\x1c``)."""
    return "".join(char if char.isprintable() or char in keep else repr(char)[1:-1] for char in text)
