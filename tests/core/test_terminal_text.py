"""Model-written text printed on a terminal: control characters become visible escapes."""

from __future__ import annotations

import io

from rich.console import Console

from ibl_agents.run.progress import _candidate_line
from ibl_agents.terminal_text import markup_safe, printable


def test_control_characters_are_shown_not_sent() -> None:
    assert printable("a\x1b[2K\rb\x07\x9b\tc\nd") == "a\\x1b[2K\\x0db\\x07\\x9b\tc\nd"
    assert printable("plain text, é") == "plain text, é"


def test_a_candidates_message_cannot_restyle_or_rewrite_the_line() -> None:
    event = {
        "iteration": 1,
        "kind": "runtime_error",
        "message": "[green]ok[/] \x1b[2K\rauc 1.0",
        "score": None,
    }
    styled, plain = io.StringIO(), io.StringIO()
    Console(file=styled, force_terminal=True, color_system="standard").print(_candidate_line(event, "auc"))
    assert "\x1b[2K" not in styled.getvalue() and "\r" not in styled.getvalue()
    Console(file=plain, color_system=None, width=200).print(_candidate_line(event, "auc"))
    assert "([green]ok[/] \\x1b[2K\\x0dauc 1.0)" in plain.getvalue()  # the model's markup stays text
    assert markup_safe("[red]x") == "\\[red]x"
