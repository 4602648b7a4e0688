"""ExampleStore: a database failure is a StorageError naming what failed, never a SQLAlchemy
error, on every read and write (the memory's rebuild relies on it)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.examples import ExampleStore, NewExample
from bot.db.leases import Leases
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import StorageError
from bot.tickets import NewRequest, TicketSource

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


async def test_open_tickets_are_those_of_one_channel(engine: AsyncEngine) -> None:
    """Duplicate-hint candidates never come from another conversation (bot.triage.visibility)."""
    sessions = session_factory(engine)
    log, leases = TicketLog(sessions), Leases(sessions)
    for n, channel in enumerate(("G1", "C1", "C1", "D1"), start=1):
        request = NewRequest(f"k{n}", TicketSource.SLASH_COMMAND, channel, "U1", f"text {n}")
        ticket, _ = await log.record_request(request)
        assert await leases.claim(ticket.id, "t")
        await log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.9, "fake"), owner="t")
        await log.mark_filed(ticket.id, key=f"KAN-{n}", url="u", issue_type="Bug", owner="t")
        await log.mark_posted(ticket.id, channel_id=channel, ts=f"1.{n}", in_channel=True,
                              owner="t")
    store = ExampleStore(sessions)
    assert [t.jira_key for t in await store.open_tickets("C1", None)] == ["KAN-3", "KAN-2"]
    assert [t.jira_key for t in await store.open_tickets("C1", 3)] == ["KAN-2"]
    assert [t.jira_key for t in await store.open_tickets("G1", None)] == ["KAN-1"]
    assert await store.open_tickets("C9", None) == []
