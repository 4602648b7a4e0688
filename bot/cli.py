"""The `ticketbot` command line."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import __version__
from bot.cli_support import T, fail, run_async, settings_or_exit, with_engine
from bot.db import migrate
from bot.db.engine import redacted
from bot.doctor import CheckFunction, check_database, check_settings, render_table, run_checks
from bot.errors import ConfigError, StorageError
from bot.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ticketbot")
def main() -> None:
    """ticketbot: turn requests typed in Slack into triaged Jira issues."""


@main.command()
def run() -> None:
    """Connect to Slack over Socket Mode and serve (the same as `python app.py`)."""
    from bot.runner import main as run_main

    sys.exit(run_main())


@main.group()
def db() -> None:
    """Manage the ticket log database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = settings_or_exit()
    revision = _on_database(settings, migrate.upgrade)
    click.echo(f"database {redacted(settings.database.url)} is at revision {revision}")


@db.command("current")
def db_current() -> None:
    """Show the database's revision and the one this version needs."""
    revision = _on_database(settings_or_exit(), migrate.current_revision)
    click.echo(f"current: {revision or 'empty'}  head: {migrate.head_revision()}")


def _on_database(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh engine; a database error ends the command with one line."""
    try:
        return run_async(lambda: with_engine(settings, work))
    except (StorageError, ConfigError) as exc:
        fail(f"ticketbot: {exc}")


def doctor_checks() -> list[CheckFunction]:
    """Every part's checks, in the order the table shows them."""
    from bot.services import extra_doctor_checks

    return [check_settings, check_database, *extra_doctor_checks()]


@main.command()
def doctor() -> None:
    """Check settings, database, Slack, Jira and models; exit 1 if anything fails."""
    settings = settings_or_exit()
    rows = run_async(lambda: run_checks(settings, doctor_checks()))
    click.echo(render_table(rows))
    failed = [row for row in rows if not row.ok]
    click.echo(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def _register_subcommands() -> None:
    from bot.classify.commands import classify_command, eval_command
    from bot.learn.commands import learn_command
    from bot.sandbox.commands import sandbox_command
    from bot.tickets_cli import tickets

    for command in (tickets, classify_command, eval_command, sandbox_command, learn_command):
        main.add_command(command)


_register_subcommands()

if __name__ == "__main__":
    main()
