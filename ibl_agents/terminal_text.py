"""Text from a model, a candidate or a data file, made safe to print on a terminal.

A candidate's error message is its own text (``raise ValueError("\\x1b[2K\\rok auc 1.0000")``), and so
is the best code; printed as they are, escape codes in them could rewrite what the terminal shows (issue
14: a failing model's ``ibl score`` line made to read ``ok auc 1.0000``). Every control character but
newline and tab is shown as its ``\\xNN`` escape instead, so such text can only be text.
"""

from __future__ import annotations

import re

from rich.markup import escape

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character except newline and tab written as ``\\xNN``."""
    return CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def markup_safe(text: str) -> str:
    """``printable`` text that Rich also prints literally inside markup (``[red]`` stays text)."""
    return escape(printable(text))
