"""Leases on the database's clock, kept by a heartbeat; writes that need the lease."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.clock import DatabaseClock
from bot.db.engine import session_factory
from bot.db.leases import Leases, new_owner
from bot.db.models import Ticket
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import LeaseLost
from bot.tickets import Decision, TicketState
from tests.db.test_tickets import request

TTL = timedelta(minutes=2)
EXPIRED = timedelta(seconds=-1)  # a lease that is already over on the database's clock


async def database_now(engine: AsyncEngine) -> datetime:
    """The database's own time, read with SQL rather than through DatabaseClock."""
    if engine.dialect.name == "postgresql":
        query = "SELECT clock_timestamp()"
    else:
        query = "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"
    async with engine.connect() as connection:
        value = (await connection.execute(text(query))).scalar_one()
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


async def new_ticket(ticket_log: TicketLog, key: str = "k1") -> int:
    ticket, _ = await ticket_log.record_request(request(key))
    return ticket.id


def test_owners_are_random_per_process_ids() -> None:
    first, second = new_owner(), new_owner()
    assert first != second
    assert len(first) <= 64 and len(first.partition("@")[0]) == 32


async def test_the_clock_reads_the_database(engine: AsyncEngine) -> None:
    clock = DatabaseClock(session_factory(engine), refresh=timedelta(0))
    before = await database_now(engine)
    now = await clock.now()
    after = await database_now(engine)
    assert now.utcoffset() == timedelta(0)
    assert before - timedelta(milliseconds=50) <= now <= after + timedelta(milliseconds=50)


async def test_lease_expiry_is_stamped_on_the_database_clock(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    assert await leases.claim(ticket_id, "a", timedelta(seconds=30))
    stored = await ticket_log.get(ticket_id)
    assert stored is not None and stored.lease_expires_at is not None
    left = stored.lease_expires_at - await database_now(engine)
    assert timedelta(seconds=29) < left <= timedelta(seconds=30)


async def test_lease_is_exclusive_until_released_or_expired(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    assert await leases.claim(ticket_id, "a", TTL)
    assert not await leases.claim(ticket_id, "a", TTL)  # held, even by the same owner
    assert not await leases.claim(ticket_id, "b", TTL)
    assert await leases.renew(ticket_id, "a", TTL)
    assert not await leases.renew(ticket_id, "b", TTL)
    assert await ticket_log.unfinished() == []  # leased tickets are not offered to resume
    await leases.release(ticket_id, "b")  # not b's to release
    assert not await leases.claim(ticket_id, "b", TTL)
    await leases.release(ticket_id, "a")
    assert [t.id for t in await ticket_log.unfinished()] == [ticket_id]
    assert await leases.claim(ticket_id, "b", TTL)


async def test_an_expired_lease_is_lost_even_when_nobody_took_it(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    assert await leases.claim(ticket_id, "a", EXPIRED)
    assert [t.id for t in await ticket_log.unfinished()] == [ticket_id]
    assert not await leases.renew(ticket_id, "a", TTL)
    with pytest.raises(LeaseLost):
        await ticket_log.mark_classified(ticket_id, ClassifiedAs("Bug", 0.7, "x"), owner="a")
    assert await leases.claim(ticket_id, "b", TTL)
    assert not await leases.renew(ticket_id, "a", TTL)


async def test_racing_claims_have_one_winner(ticket_log: TicketLog, leases: Leases) -> None:
    ticket_id = await new_ticket(ticket_log)
    results = await asyncio.gather(*(leases.claim(ticket_id, f"w{n}", TTL) for n in range(6)))
    assert results.count(True) == 1


async def test_writes_by_a_worker_without_the_lease_are_refused(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    found = ClassifiedAs("Bug", 0.7, "x")
    with pytest.raises(LeaseLost):  # nobody holds it
        await ticket_log.mark_classified(ticket_id, found, owner="b")
    assert await leases.claim(ticket_id, "a", TTL)
    with pytest.raises(LeaseLost):
        await ticket_log.mark_classified(ticket_id, found, owner="b")
    with pytest.raises(LeaseLost):
        await ticket_log.mark_started(ticket_id, "jira_create", owner="b")
    with pytest.raises(LeaseLost):
        await ticket_log.record_failure(ticket_id, "late", retry_at=None, owner="b", give_up=True)
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None
    assert (ticket.state, ticket.attempts, ticket.last_error) == (TicketState.RECEIVED, 0, None)
    assert [e.event for e in await ticket_log.events(ticket_id)] == ["received"]
    ticket = await ticket_log.mark_classified(ticket_id, found, owner="a")
    assert ticket.state is TicketState.CLASSIFIED


async def test_a_late_failure_from_a_lost_owner_leaves_an_approved_ticket_alone(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    assert await leases.claim(ticket_id, "a", EXPIRED)  # a stalls past its lease
    assert await leases.claim(ticket_id, "b", TTL)  # b takes over and finishes the ticket
    await ticket_log.mark_classified(ticket_id, ClassifiedAs("Bug", 0.7, "x"), owner="b")
    await ticket_log.mark_started(ticket_id, "jira_create", owner="b")
    await ticket_log.mark_filed(ticket_id, key="KAN-1", url="u", issue_type="Bug", owner="b")
    await ticket_log.mark_posted(ticket_id, channel_id="C1", ts="1.1", in_channel=True, owner="b")
    await leases.release(ticket_id, "b")
    assert (await ticket_log.decide(ticket_id, Decision.APPROVED, "U2")).won

    with pytest.raises(LeaseLost):  # a wakes up with a failure to report
        await ticket_log.record_failure(
            ticket_id, "timeout", retry_at=None, owner="a", give_up=True
        )
    with pytest.raises(LeaseLost):
        await ticket_log.mark_filed(ticket_id, key="KAN-2", url="u", issue_type="Bug", owner="a")
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None
    assert (ticket.state, ticket.jira_key, ticket.attempts) == (TicketState.APPROVED, "KAN-1", 0)
    events = [e.event for e in await ticket_log.events(ticket_id)]
    assert events == ["received", "classified", "filed", "posted", "approved"]


async def test_held_lease_is_renewed_by_its_heartbeat(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    ttl = timedelta(seconds=3)
    seen: list[datetime] = []

    async def expiry() -> datetime:
        ticket = await ticket_log.get(ticket_id)
        assert ticket is not None and ticket.lease_expires_at is not None
        return ticket.lease_expires_at

    async with leases.hold(ticket_id, "a", ttl) as lease:
        assert lease is not None
        seen.append(await expiry())
        while len(set(seen)) < 3:  # two renewals, whenever they come
            await asyncio.sleep(0.05)
            seen.append(await expiry())
        assert not await leases.claim(ticket_id, "b", ttl)
        assert not lease.lost
    assert (await ticket_log.get(ticket_id)).lease_owner is None  # type: ignore[union-attr]


async def test_losing_the_lease_cancels_the_work_under_it(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    reached_the_end = False
    async with leases.hold(ticket_id, "a", timedelta(seconds=1.5)) as lease:
        assert lease is not None
        await steal(engine, ticket_id, "b")
        with pytest.raises(LeaseLost):
            await lease.confirm()  # the guard before a side effect
        await asyncio.Event().wait()  # a step that would never end: the heartbeat ends it
        reached_the_end = True
    assert lease.lost and lease.cancelled_work and not reached_the_end
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None and ticket.lease_owner == "b"  # not released by a


async def test_a_cancellation_from_elsewhere_still_goes_through(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    started = asyncio.Event()

    async def work() -> None:
        async with leases.hold(ticket_id, "a", TTL):
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(work())
    await started.wait()
    task.cancel()  # shutdown
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await ticket_log.get(ticket_id)).lease_owner is None  # type: ignore[union-attr]


async def steal(engine: AsyncEngine, ticket_id: int, owner: str) -> None:
    """What another replica does once a lease has expired (here, before it has)."""
    statement = (
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(lease_owner=owner, lease_expires_at=datetime.now(UTC) + TTL)
    )
    async with engine.begin() as connection:
        await connection.execute(statement)
