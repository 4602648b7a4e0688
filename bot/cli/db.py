"""`ticketbot db`: migrate the ticket log database and show its revision."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.support import T, fail, run_async, settings_or_exit, with_engine
from bot.db import migrate
from bot.db.engine import redacted
from bot.errors import ConfigError, StorageError
from bot.settings import Settings


@click.group("db")
def db_command() -> None:
    """Manage the ticket log database."""


@db_command.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = settings_or_exit()
    revision = _on_database(settings, migrate.upgrade)
    click.echo(f"database {redacted(settings.database.url)} is at revision {revision}")


@db_command.command("current")
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
