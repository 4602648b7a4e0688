"""The thread replies owed to Jira (``bot.db.thread_comments``) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.leases import Leases
from bot.db.thread_comments import (
    DELETED,
    DELETING,
    DONE,
    PENDING,
    NewReply,
    ThreadComments,
    row_files,
)
from bot.db.tickets import TicketLog
from bot.tickets import SourceFile
from tests.triage.test_publisher import posted_ticket


def reply(ticket_id: int, ts: str = "2.1", text: str = "hello") -> NewReply:
    return NewReply(ticket_id, "C1", ts, "U1", text, (SourceFile("F1", "a.png", 3),))


async def test_a_reply_is_recorded_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    ticket_id = await posted_ticket(TicketLog(sessions), Leases(sessions))
    store = ThreadComments(sessions)
    first = await store.record(reply(ticket_id))
    assert first is not None
    assert await store.record(reply(ticket_id, text="again")) is None
    row = await store.get(first)
    assert row is not None and (row.text, row.state) == ("hello", PENDING)
    assert row_files(row) == (SourceFile("F1", "a.png", 3),)
    assert await store.due() == [first]


async def test_of_two_claims_one_wins(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    ticket_id = await posted_ticket(TicketLog(sessions), Leases(sessions))
    store = ThreadComments(sessions)
    row_id = await store.record(reply(ticket_id))
    assert row_id is not None
    row = await store.get(row_id)
    assert row is not None
    won = await asyncio.gather(store.claim(row), store.claim(row))
    assert sorted(won) == [False, True]
    assert await store.due() == []  # claimed: not due until the claim runs out


async def test_an_edit_during_a_copy_keeps_it_owed(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    ticket_id = await posted_ticket(TicketLog(sessions), Leases(sessions))
    store = ThreadComments(sessions)
    row_id = await store.record(reply(ticket_id))
    assert row_id is not None
    copying = await store.get(row_id)  # the version being copied
    assert copying is not None
    assert await store.edit("C1", "2.1", "edited", []) == row_id
    await store.synced(copying, "10000")
    row = await store.get(row_id)
    assert row is not None
    assert (row.state, row.jira_comment_id, row.synced_version, row.version) == (
        PENDING,
        "10000",
        1,
        2,
    )
    await store.synced(row, "10000")
    row = await store.get(row_id)
    assert row is not None and row.state == DONE
    assert await store.delete("C1", "2.1") == row_id
    row = await store.get(row_id)
    assert row is not None and row.state == DELETING
    await store.synced(row, "10000")
    row = await store.get(row_id)
    assert row is not None and row.state == DELETED
    assert await store.edit("C1", "2.1", "too late", []) is None
