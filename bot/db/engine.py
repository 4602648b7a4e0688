"""Async engine and session factory for the ticket log (SQLite by default, PostgreSQL by URL).

Every engine hides bound parameters in its errors (``hide_parameters``): a failed insert
never puts ticket text or a Slack ``response_url`` into an exception, so into a log line. A
new SQLite file is created ``0600`` (its ``-wal`` and ``-shm`` files take the database file's
mode) in a directory created ``0700``.
"""

from __future__ import annotations

import contextlib
import logging
import os
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
    kwargs = {"hide_parameters": True, **kwargs}
    if url.startswith("sqlite"):
        _create_private_file(url)
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


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    parsed = make_url(url)
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _create_private_file(url: str) -> None:
    """Create the data directory (``0700``) and the database file (``0600``) if missing.

    SQLite gives the ``-wal`` and ``-shm`` files the mode of the database file, so creating
    that one ourselves, before SQLite does under the process umask, covers all three. An
    existing file keeps its mode (``ticketbot doctor`` warns if others can read it).
    """
    path = sqlite_path(url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
