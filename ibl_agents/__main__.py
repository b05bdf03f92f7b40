"""`python -m ibl_agents` is the `ibl` command."""

from ibl_agents.cli.commands import app

app(prog_name="ibl")
