"""ExampleStore: a database failure is a StorageError naming what failed, never a SQLAlchemy
error, on every read and write (the memory's rebuild relies on it)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore, NewExample
from bot.errors import StorageError

SECRET_TEXT = "VPN password is hunter2"


async def test_every_read_and_write_turns_a_database_error_into_storage_error(
    empty_engine: AsyncEngine,  # no tables: every statement fails in the database
) -> None:
    store = ExampleStore(session_factory(empty_engine))
    calls = {
        "store examples": store.add(NewExample(SECRET_TEXT, "Bug", "csv", "k1")),
        "read the confirmed examples": store.since(0),
        "read the newest example id": store.last_id(),
        "count the examples": store.count(),
        "read the open tickets": store.open_tickets("C1", None),
    }
    for what, call in calls.items():
        with pytest.raises(StorageError) as raised:
            await call
        assert str(raised.value).startswith(f"cannot {what}: ")
        assert SECRET_TEXT not in str(raised.value)


async def test_a_working_database_round_trips(engine: AsyncEngine) -> None:
    store = ExampleStore(session_factory(engine))
    assert await store.add(NewExample("Printer jammed", "Task", "csv", "k1"))
    assert not await store.add(NewExample("Printer jammed", "Task", "csv", "k1"))
    [stored] = await store.since(0)
    assert (stored.text, stored.label, await store.last_id(), await store.count()) == (
        "Printer jammed", "Task", stored.id, 1)
