"""`ticketbot db`: migrate the ticket log database, show its revision, back it up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.support import T, fail, run_async, settings_or_exit, with_engine
from bot.db import migrate
from bot.db.backup import backup_sqlite
from bot.db.engine import normalise_url, redacted, sqlite_path
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


PG_DUMP_HINT = (
    "ticketbot: the ticket log is in PostgreSQL ({url}); back it up with pg_dump, e.g.\n"
    "  pg_dump --format=custom --file {file} 'postgresql://USER@HOST/DB'\n"
    "(see docs/deployment.md, Backups)"
)


@db_command.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(file: Path) -> None:
    """Copy the SQLite ticket log to FILE (a new file, 0600), safely while the bot runs."""
    settings = settings_or_exit()
    try:
        url = normalise_url(settings.database.url)
    except ConfigError as exc:
        fail(f"ticketbot: {exc}", 2)
    source = sqlite_path(url)
    if source is None:
        if url.startswith("postgresql"):
            fail(PG_DUMP_HINT.format(url=redacted(url), file=file))
        fail(f"ticketbot: {redacted(url)} is not a SQLite file; nothing to back up")
    try:
        size = backup_sqlite(source, file)
    except StorageError as exc:
        fail(f"ticketbot: {exc}")
    click.echo(f"backed up {source} to {file} ({size} bytes)")


def _on_database(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh engine; a database error ends the command with one line."""
    try:
        return run_async(lambda: with_engine(settings, work))
    except (StorageError, ConfigError) as exc:
        fail(f"ticketbot: {exc}")
