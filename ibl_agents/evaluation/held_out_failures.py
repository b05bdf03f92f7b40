"""What a failure on held-out rows may tell the LLM: where the code broke, never what the rows held.

Validation rows never reach a prompt, yet an error text would carry them there: ``float(df['sex'])``
fails with "could not convert string to float: 'male'", ``SPREAD[value]`` with ``KeyError: 42.5``, a
``print(df)`` lands in the stderr tail, and the runner names the bad value a ``predict`` returned. So a
failed run on held-out frames is rebuilt from what the host can vouch for without believing the sandbox:
the outcome kind, the exception type (an identifier, read from the runner's one-line header), the
file/line/function lines of the traceback, and under each of the candidate's own frames its source line,
taken from the host's copy of the code (the LLM wrote it), not from the sandbox's echo. The exception's
message, library source lines and anything else printed are dropped, and the unscrubbed text is not kept.

Failures on the training rows need none of this: ``evaluation`` runs them first, in a sandbox run of
their own that never holds a held-out row, and their values are the LLM's own data.
"""

from __future__ import annotations

import re

from sandbox.results import ExecutionResult
from sandbox.runner import SOURCE_NAME

WITHHELD = "their values are withheld, and so is the error's own text"
UNSEEN = (
    "look for what these rows hold and the training rows lack (a new category, a missing value, an outlier)"
)
# ``{where} raised {type(exc).__name__}: {message}``, as the runner's ``_classify`` writes it
_RAISED = re.compile(r"(predict|the module code)(?: on frame '\w+')? raised ([A-Za-z_]\w{0,79}):")
_FILE = re.compile(r'\s*File "([\w/.<> -]+)", line (\d+), in ([\w<>.]+)\s*')
_STRUCTURE = frozenset(
    {
        "Traceback (most recent call last):",
        "During handling of the above exception, another exception occurred:",
        "The above exception was the direct cause of the following exception:",
    }
)


def withheld(result: ExecutionResult, code: str) -> tuple[str, str]:
    """The message and detail of a failed run on held-out frames, with nothing of their rows left."""
    lines = _traceback_lines(result.detail, code.splitlines())
    raised = _RAISED.match(result.message)
    if raised is None:
        return f"on held-out rows, though the training rows ran; {WITHHELD}", "\n".join(lines)
    where, error = raised.groups()
    message = f"{where} raised {error} on held-out rows, though the training rows ran: {UNSEEN}; {WITHHELD}"
    return message, "\n".join([*lines, f"{error} (its message is withheld)"])


def rule_broken(rule: str) -> str:
    """The message of a held-out frame whose predictions the host's gates refused (``prediction_checks``)."""
    return f"on held-out rows, an output the contract refuses (its values are withheld); {rule}"


def _traceback_lines(detail: str, source: list[str]) -> list[str]:
    """The lines of ``detail`` that name a place in the code, each rebuilt from its parsed parts."""
    kept = []
    for line in detail.splitlines():
        if line.strip() in _STRUCTURE:
            kept.append(line.strip())
        elif place := _FILE.fullmatch(line):
            path, number, function = place.groups()
            kept.append(f'  File "{path}", line {number}, in {function}')
            if path == SOURCE_NAME and 0 < int(number) <= len(source):
                kept.append(f"    {source[int(number) - 1].strip()}")
    return kept
