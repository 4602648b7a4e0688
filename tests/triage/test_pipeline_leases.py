"""The pipeline under a lease: a worker that loses it stops before its next side effect and
records nothing (the lease passes to another replica in the middle of a step)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.leases import Leases
from bot.db.tickets import TicketLog
from bot.errors import TrackerUnavailable
from bot.settings import PipelineSettings
from bot.tickets import TicketState
from bot.tracker.models import IssueRef, NewIssue
from bot.triage.pipeline import TicketPipeline
from bot.triage.ports import Person
from tests.db.test_leases import steal
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing
from tests.triage.test_pipeline import new_ticket

Hook = Callable[[], Awaitable[None]]


async def nothing() -> None:
    return None


@dataclass
class HookedChat(FakeChat):
    """Runs ``on_person`` while the pipeline looks up the requester, just before the create."""

    on_person: Hook = nothing

    async def person(self, user_id: str) -> Person:
        await self.on_person()
        return await super().person(user_id)


@dataclass
class HookedTracker(FakeTracker):
    """Runs ``on_create`` once the create has been sent, before Jira answers."""

    on_create: Hook = nothing

    async def create_issue(self, new: NewIssue) -> IssueRef:
        await self.on_create()
        return await super().create_issue(new)


def pipeline(
    ticket_log: TicketLog,
    leases: Leases,
    tracker: FakeTracker,
    chat: FakeChat,
    lease_ttl_s: float = 30,
) -> TicketPipeline:
    settings = PipelineSettings(retry_base_s=0.01, lease_ttl_s=lease_ttl_s)
    return TicketPipeline(
        ticket_log, leases, FakeClassifier(), tracker, filing(0), chat, settings, owner="me"
    )


async def untouched_since_classified(ticket_log: TicketLog, ticket_id: int) -> None:
    ticket = await ticket_log.get(ticket_id)
    assert ticket is not None
    assert (ticket.state, ticket.attempts, ticket.last_error) == (TicketState.CLASSIFIED, 0, None)
    assert ticket.lease_owner == "other"  # not released by the worker that lost it
    assert [e.event for e in await ticket_log.events(ticket_id)] == ["received", "classified"]


async def test_a_lease_lost_before_the_create_stops_the_step(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    tracker, chat = FakeTracker(), HookedChat()

    async def taken_over() -> None:
        await steal(engine, ticket_id, "other")

    chat.on_person = taken_over
    await pipeline(ticket_log, leases, tracker, chat).run(ticket_id)
    assert tracker.issues == {} and chat.posts == [] and chat.told == []
    await untouched_since_classified(ticket_log, ticket_id)
    assert (await ticket_log.get(ticket_id)).jira_create_started_at is None  # type: ignore[union-attr]


async def test_a_late_failure_after_the_lease_was_lost_records_nothing(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    tracker, chat = HookedTracker(), FakeChat()
    tracker.failures = [TrackerUnavailable("read timed out")]

    async def taken_over() -> None:
        await steal(engine, ticket_id, "other")

    tracker.on_create = taken_over
    await pipeline(ticket_log, leases, tracker, chat).run(ticket_id)
    assert chat.told == []  # the requester hears nothing from the worker that lost the lease
    await untouched_since_classified(ticket_log, ticket_id)


async def test_the_heartbeat_stops_a_step_whose_lease_was_taken(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    tracker, chat = HookedTracker(), FakeChat()

    async def taken_over_then_hangs() -> None:
        await steal(engine, ticket_id, "other")
        await asyncio.Event().wait()  # Jira never answers; only the heartbeat can end this

    tracker.on_create = taken_over_then_hangs
    runner = pipeline(ticket_log, leases, tracker, chat, lease_ttl_s=0.6)
    assert await asyncio.wait_for(runner.run(ticket_id), timeout=30) is None
    await asyncio.sleep(0)  # this task was not left cancelled
    assert tracker.issues == {} and chat.posts == [] and chat.told == []
    await untouched_since_classified(ticket_log, ticket_id)


async def test_the_heartbeat_keeps_the_lease_through_a_long_step(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket_id = await new_ticket(ticket_log)
    tracker, chat = HookedTracker(), FakeChat()
    renewals: list[object] = []

    async def slow_jira() -> None:  # a create that lasts several lease periods
        while len(renewals) < 4:
            ticket = await ticket_log.get(ticket_id)
            assert ticket is not None and ticket.lease_owner == "me"
            if ticket.lease_expires_at not in renewals:
                renewals.append(ticket.lease_expires_at)
            assert not await leases.claim(ticket_id, "other")
            await asyncio.sleep(0.05)

    tracker.on_create = slow_jira
    ticket = await pipeline(ticket_log, leases, tracker, chat, lease_ttl_s=0.6).run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert list(tracker.issues) == ["KAN-1"] and chat.posts == [ticket_id]
