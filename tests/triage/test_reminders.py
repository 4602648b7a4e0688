"""Reminders: once per ticket after the wait, only in working hours when those are set."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.outbox import Outbox
from bot.db.sync import SyncStore
from bot.db.tickets import TicketLog
from bot.settings import Settings
from bot.settings_sync import SyncSettings
from bot.triage.publisher import Publisher
from bot.triage.reminders import Reminders, digest_text, in_working_hours
from tests.triage.fakes import FakeChat, FakeNotices, FakeTracker
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


async def test_a_daily_digest_once_a_day(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    first = await posted_ticket(ticket_log, leases, key="a")
    await posted_ticket(ticket_log, leases, key="b")
    notices = FakeNotices()
    publisher = Publisher(
        ticket_log, outbox, FakeTracker(), FakeChat(), Settings(), notices=notices
    )
    store = SyncStore(session_factory(engine), ticket_log.clock)
    settings = SyncSettings(reminder_after_s=None, digest_at="00:00")
    reminders = Reminders(store, outbox, publisher.publish, ["U2", "U3"], settings)
    assert await reminders.digest_due()
    assert await reminders.digest_due()  # due again, but today's is already sent
    assert [user for user, _ in notices.sent] == ["U2", "U3"]
    text = notices.sent[0][1]
    assert text.startswith("*Waiting for a decision (2):*")
    assert "<https://j/browse/KAN-1|KAN-1> Need a new badge" in text
    assert len(await outbox.tasks(first)) == 2


def test_a_long_digest_is_cut() -> None:
    tickets = [
        Ticket(id=n, text=f"<b>{n}</b>", jira_key=f"KAN-{n}", jira_url=f"u/{n}") for n in range(21)
    ]
    text = digest_text(tickets)
    assert text.startswith("*Waiting for a decision (20+):*") and text.endswith("… and more")
    assert "&lt;b&gt;0&lt;/b&gt;" in text


async def test_reminders_and_digests_go_to_each_tickets_own_approvers(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    """A routed channel's tickets remind that route's approvers, not the global ones."""
    routed = await posted_ticket(ticket_log, leases, key="a")
    other = await posted_ticket(ticket_log, leases, key="b")
    notices = FakeNotices()
    publisher = Publisher(
        ticket_log, outbox, FakeTracker(), FakeChat(), Settings(), notices=notices
    )

    async def approvers_of(ticket: Ticket) -> list[str]:
        return ["U9"] if ticket.id == routed else ["U2"]

    store = SyncStore(session_factory(engine), ticket_log.clock)
    settings = SyncSettings(reminder_after_s=0.001, digest_at="00:00")
    reminders = Reminders(
        store, outbox, publisher.publish, ["U2", "U9"], settings, approvers_of
    )
    await asyncio.sleep(0.01)  # both past the 1 ms wait: one round reminds both
    assert sorted(await due(reminders)) == sorted([routed, other])
    texts = {t.ticket_id: t.payload.get("text", "") for t in await outbox.tasks(routed)}
    texts |= {t.ticket_id: t.payload.get("text", "") for t in await outbox.tasks(other)}
    assert texts[routed].startswith("<@U9> this ticket") and "<@U2>" not in texts[routed]
    assert texts[other].startswith("<@U2> this ticket")
    assert await reminders.digest_due()
    digests = dict(notices.sent)
    assert set(digests) == {"U2", "U9"}
    assert "(1)" in digests["U9"] and "(1)" in digests["U2"]
