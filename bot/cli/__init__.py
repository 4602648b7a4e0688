"""The `ticketbot` command line: one module per command group, gathered into ``main``."""

from __future__ import annotations

import click

from bot import __version__
from bot.cli.classify import classify_command, eval_command
from bot.cli.config import config_command
from bot.cli.db import db_command
from bot.cli.doctor import doctor_command
from bot.cli.init import init_command
from bot.cli.learn import learn_command
from bot.cli.run import run_command
from bot.cli.tickets import tickets_command

SANDBOX = "sandbox"


class TopLevelGroup(click.Group):
    """Lists ``sandbox`` with the other commands but imports it only when it is asked for:
    the sandbox package sits above ``bot``, so ``bot`` must not import it when it loads."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), SANDBOX])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == SANDBOX:
            return _sandbox_command()
        return super().get_command(ctx, cmd_name)


def _sandbox_command() -> click.Command:
    from sandbox.commands import sandbox_command

    return sandbox_command


@click.group(cls=TopLevelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ticketbot")
def main() -> None:
    """ticketbot: turn requests typed in Slack into triaged Jira issues."""


for command in (
    init_command,
    run_command,
    config_command,
    db_command,
    doctor_command,
    tickets_command,
    classify_command,
    eval_command,
    learn_command,
):
    main.add_command(command)
