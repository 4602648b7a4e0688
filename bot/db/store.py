"""The base of the database stores: sessions, and database errors turned into StorageError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import StorageError


class Store:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _write(self, what: str) -> AsyncIterator[AsyncSession]:
        """One transaction. A database error becomes a StorageError that says what failed and
        the error's type, never the statement or its values (ticket text, response URLs)."""
        try:
            async with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot {what}: {_kind(exc)}") from exc

    @asynccontextmanager
    async def _read(self, what: str) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot {what}: {_kind(exc)}") from exc


def _kind(exc: SQLAlchemyError) -> str:
    """The error's type; for an OperationalError also the driver's own first line ("database is
    locked", "disk I/O error", a refused connection), which names no statement and no value."""
    reason = str(exc.orig).strip() if isinstance(exc, OperationalError) else ""
    if not reason:
        return type(exc).__name__
    return f"{type(exc).__name__} ({reason.splitlines()[0][:200]})"
