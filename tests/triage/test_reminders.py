"""Reminders: once per ticket after the wait, only in working hours when those are set."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.leases import Leases
from bot.db.outbox import Outbox
from bot.db.sync import SyncStore
from bot.db.tickets import TicketLog
from bot.settings_sync import SyncSettings
from bot.triage.reminders import Reminders, in_working_hours
from tests.triage.test_publisher import posted_ticket


def test_working_hours() -> None:
    monday_ten = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert in_working_hours(None, monday_ten)
    assert in_working_hours("09:00-17:00", monday_ten)
    assert not in_working_hours("09:00-17:00", monday_ten.replace(hour=17))
    assert not in_working_hours("09:00-17:00", datetime(2026, 12, 5, 10, 0, tzinfo=UTC))  # Sat
    assert in_working_hours("00:00-24:00", monday_ten.replace(hour=23, minute=59))


async def test_one_reminder_per_ticket(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases)
    published: list[int] = []

    async def publish(tid: int) -> None:
        published.append(tid)

    store = SyncStore(session_factory(engine), ticket_log.clock)
    settings = SyncSettings(reminder_after_s=0.001)
    reminders = Reminders(store, outbox, publish, ["U2", "U3"], settings)
    assert await due(reminders) == [ticket_id]
    assert await reminders.remind_due() == []
    [task] = await outbox.tasks(ticket_id)
    assert task.payload["text"].startswith("<@U2> <@U3> this ticket has been waiting")
    assert published == [ticket_id]


async def test_no_reminder_before_the_wait_or_outside_hours(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    await posted_ticket(ticket_log, leases)
    store = SyncStore(session_factory(engine), ticket_log.clock)

    async def publish(tid: int) -> None:
        return None

    waiting = Reminders(store, outbox, publish, ["U2"], SyncSettings(reminder_after_s=3600))
    assert await waiting.remind_due() == []
    now = await store.clock.now()
    closed = "00:00-00:01" if now.hour or now.minute > 1 else "12:00-12:01"
    off_hours = Reminders(
        store, outbox, publish, ["U2"], SyncSettings(reminder_after_s=0.001, working_hours=closed)
    )
    assert await off_hours.remind_due() == []


async def due(reminders: Reminders) -> list[int]:
    """The first reminders sent (the database clock reads milliseconds: the wait of 1 ms may
    need a moment to pass)."""
    for _ in range(500):
        if sent := await reminders.remind_due():
            return sent
        await asyncio.sleep(0.01)
    return []
