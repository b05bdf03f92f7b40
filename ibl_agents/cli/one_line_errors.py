"""Every refusal of the ``ibl`` command is one ``error:`` line on standard error and exit 2.

Our own checks raise ``fail(...)``. Click's usage errors (a flag value of the wrong type, an unknown flag
or command, a missing option) would otherwise reach typer's boxed multi-line panel; ``OneLineErrors`` is
the command group that turns them into the same line, naming the command's ``--help`` as the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

# typer carries its own copy of click since 0.29: its usage errors are typer._click's, not click's.
from typer._click.core import Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from ibl_agents.terminal_text import markup_safe

# emoji=False: rich would draw a model's or a column's ":m:" as an emoji ("nosuch:m: use" as "nosuchⓂ use")
errors = Console(stderr=True, emoji=False)


def fail(message: str) -> typer.Exit:
    """Print the one line; raise the returned exit (code 2) where the check failed."""
    errors.print(f"[bold red]error:[/] {markup_safe(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


class OneLineErrors(TyperGroup):
    """A typer group whose usage errors (its own and its subcommands') are one line, not a panel."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        with _usage_errors_as_one_line():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with _usage_errors_as_one_line():
            return super().invoke(ctx)


@contextmanager
def _usage_errors_as_one_line() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:
        raise  # `ibl` or `ibl models` alone: the help, as asked for
    except UsageError as error:
        message = error.format_message().strip().rstrip(".")
        where = error.ctx.command_path if error.ctx is not None else "ibl"
        raise fail(f"{message[:1].lower()}{message[1:]} (see `{where} --help`)") from None
