"""Apply and inspect Alembic migrations from inside ticketbot (no alembic.ini needed)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot import messages, shipped
from bot.db.engine import redacted
from bot.errors import DatabaseBehind, StorageError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = shipped.MIGRATIONS  # the shipped migrations/, from a checkout or a wheel
_PG_MIGRATION_LOCK = 0x71C4E7B07  # any constant; serialises replicas migrating at once


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions is empty"
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with _connect(engine) as connection:
        return await connection.run_sync(_current)


async def upgrade(engine: AsyncEngine) -> str:
    """Bring the schema to head; safe to call on every start, also from two replicas at once."""
    async with _connect(engine) as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
        before = await connection.run_sync(_current)
        await connection.run_sync(_upgrade)
        await connection.commit()
    head = head_revision()
    if before != head:
        log.info("database migrated from %s to %s", before or "empty", head)
    return head


async def ensure_current(engine: AsyncEngine) -> None:
    """Raise DatabaseBehind unless the schema is exactly at head."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        url = redacted(engine.url.render_as_string(hide_password=False))
        raise DatabaseBehind(messages.DATABASE_BEHIND.format(url=url, current=current, head=head))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@asynccontextmanager
async def _connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Open a connection, turning driver errors into StorageError with the password masked."""
    try:
        connection = await engine.connect()
    except (SQLAlchemyError, OSError) as exc:
        url = redacted(engine.url.render_as_string(hide_password=False))
        raise StorageError(
            messages.DATABASE_UNREACHABLE.format(url=url, reason=_reason(exc))
        ) from None
    try:
        yield connection
    finally:
        await connection.close()


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return f"{type(original).__name__}: {str(original).splitlines()[0] if str(original) else ''}"
