"""Async engine and session factory for the ticket log (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from bot import messages
from bot.errors import ConfigError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def normalise_url(url: str) -> str:
    """Accept the plain dialect names users paste (``postgresql://``) and pick our async driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL", "is not a database URL", messages.SETTING_FIXES["DATABASE_URL"]
        ) from None
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.drivername not in _ASYNC_DRIVERS.values():
        raise ConfigError(
            "DATABASE_URL",
            f"uses an unsupported driver ({parsed.drivername})",
            messages.SETTING_FIXES["DATABASE_URL"],
        )
    return parsed.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """The URL with its password masked, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _create_parent(url)
        # SQLite has one writer: a single connection queues our own writes in order instead of
        # letting them collide on the file lock, where SQLite's busy handler sleeps.
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60, **kwargs}
    else:
        kwargs = {"pool_pre_ping": True, **kwargs}  # a server can drop idle connections
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    log.debug("database engine for %s", redacted(url))
    return engine


def _create_parent(url: str) -> None:
    """The data directory may not exist yet on a first start (``~/.local/share/ticketbot``)."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
