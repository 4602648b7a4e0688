from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine
from bot.errors import DatabaseBehind, StorageError

TICKET_COLUMNS = {
    "id",
    "created_at",
    "updated_at",
    "dedupe_key",
    "source",
    "slack_team_id",
    "slack_channel_id",
    "requester_id",
    "requester_name",
    "text",
    "state",
    "label",
    "confidence",
    "classified_by",
    "jira_key",
    "jira_url",
    "message_channel_id",
    "message_ts",
    "decision",
    "decided_by",
    "decided_at",
    "attempts",
    "last_error",
}
EVENT_COLUMNS = {"id", "ticket_id", "created_at", "actor", "event", "details"}


async def schema(engine: AsyncEngine) -> dict[str, set[str]]:
    def read(connection):  # type: ignore[no-untyped-def]
        inspector = inspect(connection)
        return {
            t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()
        }

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def test_upgrade_creates_the_ticket_log(empty_engine: AsyncEngine) -> None:
    assert await migrate.current_revision(empty_engine) is None
    assert await migrate.upgrade(empty_engine) == migrate.head_revision()
    tables = await schema(empty_engine)
    assert tables["tickets"] >= TICKET_COLUMNS
    assert tables["ticket_events"] >= EVENT_COLUMNS
    assert "alembic_version" in tables


async def test_upgrade_is_idempotent(empty_engine: AsyncEngine) -> None:
    await migrate.upgrade(empty_engine)
    await migrate.upgrade(empty_engine)
    await migrate.ensure_current(empty_engine)


async def test_concurrent_upgrades_do_not_collide(empty_engine: AsyncEngine) -> None:
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("two replicas migrating at once only happens on a shared server")
    other = create_engine(empty_engine.url.render_as_string(hide_password=False))
    try:
        await asyncio.gather(migrate.upgrade(empty_engine), migrate.upgrade(other))
    finally:
        await other.dispose()
    await migrate.ensure_current(empty_engine)


async def test_empty_database_is_reported_behind(empty_engine: AsyncEngine) -> None:
    with pytest.raises(DatabaseBehind, match="ticketbot db upgrade"):
        await migrate.ensure_current(empty_engine)


async def test_unreachable_database_is_a_storage_error_without_password() -> None:
    engine = create_engine("postgresql+asyncpg://bot:s3cret-pw@127.0.0.1:1/none")
    try:
        with pytest.raises(StorageError) as caught:
            await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    assert "s3cret-pw" not in str(caught.value)
    assert "cannot open the database" in str(caught.value)


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            timeout = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await engine.dispose()
    assert (mode, timeout) == ("wal", 5000)
