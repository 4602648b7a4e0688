"""The database's clock: one time for every process that shares the ticket log.

Lease expiry is compared across processes, so it must not depend on each host's own clock.
``DatabaseClock.now()`` reads the database's time (PostgreSQL ``clock_timestamp()``, SQLite
``strftime('%Y-%m-%d %H:%M:%f', 'now')``, both UTC) once per ``refresh`` and in between adds
this process's monotonic time elapsed since that reading, so a jump of the local wall clock
changes nothing. The result is a Python datetime: it is bound like any other value, so the
stored format of ``UtcDateTime`` columns stays the same on every backend.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.store import Store

REFRESH = timedelta(seconds=60)
_NOW_SQL = {
    "postgresql": "SELECT clock_timestamp()",
    "sqlite": "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')",
}


class DatabaseClock(Store):
    """``await now()``: the database's current time, timezone-aware UTC."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], refresh: timedelta = REFRESH
    ) -> None:
        super().__init__(sessions)
        self._refresh_s = refresh.total_seconds()
        self._read_at: datetime | None = None
        self._read_mono = 0.0
        self._lock = asyncio.Lock()

    async def now(self) -> datetime:
        if self._stale():
            async with self._lock:
                if self._stale():
                    await self._sync()
        assert self._read_at is not None
        return self._read_at + timedelta(seconds=time.monotonic() - self._read_mono)

    def _stale(self) -> bool:
        return self._read_at is None or time.monotonic() - self._read_mono >= self._refresh_s

    async def _sync(self) -> None:
        async with self._read("read the database clock") as session:
            dialect = session.get_bind().dialect.name
            value = (await session.execute(text(_NOW_SQL[dialect]))).scalar_one()
            self._read_mono = time.monotonic()
        self._read_at = _as_utc(value)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS.SSS', in UTC
        value = datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
