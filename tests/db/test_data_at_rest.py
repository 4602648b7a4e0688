"""What the ticket log keeps, and what its errors show: response URLs are dropped once useless,
database errors never carry the values of the statement, SQLite files are private."""

from __future__ import annotations

import os
import stat
import traceback
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine, sqlite_path
from bot.db.leases import Leases
from bot.db.models import Ticket, utcnow
from bot.db.tickets import TicketLog
from bot.errors import StorageError
from bot.tickets import NewRequest, TicketSource
from tests.db.test_tickets import posted

RESPONSE_URL = "https://hooks.slack.com/commands/T1/123/secret-hook-value"
TEXT = "my password is hunter2-please-reset"


def request(key: str) -> NewRequest:
    return NewRequest(
        key, TicketSource.SLASH_COMMAND, "C1", "U1", TEXT, response_url=RESPONSE_URL
    )


async def age(engine: AsyncEngine, ticket_id: int, by: timedelta) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(created_at=utcnow() - by)
        )


async def test_posting_clears_the_response_url(ticket_log: TicketLog, leases: Leases) -> None:
    ticket, _ = await ticket_log.record_request(request("k1"))
    assert ticket.response_url == RESPONSE_URL
    await posted(ticket_log, leases, ticket.id)
    after = await ticket_log.get(ticket.id)
    assert after is not None and after.response_url is None and after.message_ts


async def test_response_urls_older_than_30_minutes_are_forgotten(
    ticket_log: TicketLog, engine: AsyncEngine
) -> None:
    old, _ = await ticket_log.record_request(request("old"))
    recent, _ = await ticket_log.record_request(request("recent"))
    await age(engine, old.id, timedelta(minutes=31))
    await age(engine, recent.id, timedelta(minutes=29))
    assert await ticket_log.forget_response_urls() == 1
    assert await ticket_log.forget_response_urls() == 0
    forgotten, kept = await ticket_log.get(old.id), await ticket_log.get(recent.id)
    assert forgotten is not None and forgotten.response_url is None
    assert forgotten.text == TEXT  # only the URL goes
    assert kept is not None and kept.response_url == RESPONSE_URL


async def test_a_failed_insert_never_carries_its_values(ticket_log: TicketLog,
                                                        engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE ticket_events"))
    with pytest.raises(StorageError) as caught:
        await ticket_log.record_request(request("k1"))
    shown = "".join(traceback.format_exception(caught.value))
    assert "ticket_events" in shown  # the database's own message is still there
    assert "parameters hidden" in shown
    for value in (TEXT, RESPONSE_URL, "hunter2"):
        assert value not in shown


async def test_a_refused_write_says_the_drivers_reason_and_no_value(
    ticket_log: TicketLog, engine: AsyncEngine
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE ticket_events"))
    with pytest.raises(StorageError) as caught:
        await ticket_log.record_request(request("k1"))
    said = str(caught.value)
    if engine.dialect.name == "sqlite":  # PostgreSQL calls it a ProgrammingError: type only
        assert said.endswith("OperationalError (no such table: ticket_events)")
    assert "INSERT" not in said and TEXT not in said and RESPONSE_URL not in said


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_log_is_private_wal_and_shm_included(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, under which SQLite makes 0644 files
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tickets.db'}"
        engine = create_engine(url)
        await migrate.upgrade(engine)
        async with engine.connect() as connection:  # an open connection keeps -wal and -shm
            await connection.execute(text("SELECT 1"))
            files = sorted((tmp_path / "data").iterdir())
            assert [f.name for f in files] == ["tickets.db", "tickets.db-shm", "tickets.db-wal"]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        await engine.dispose()
    finally:
        os.umask(previous)
    assert mode(tmp_path / "data") == 0o700


def test_sqlite_path_names_only_real_files(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/t.db") == tmp_path / "t.db"
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("postgresql+asyncpg://u:p@h/db") is None
