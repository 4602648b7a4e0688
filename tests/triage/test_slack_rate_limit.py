"""Slack's 429 while posting is no failed attempt: the ticket waits for Retry-After, uncounted,
and nobody is told anything failed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import ChatUnavailable
from bot.settings import PipelineSettings
from bot.tickets import NewRequest, TicketSource, TicketState
from bot.triage.pipeline import TicketPipeline
from bot.triage.ports import Posted
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing


@dataclass
class RateLimitedChat(FakeChat):
    limited: int = 0  # this many posts answer 429 first
    retry_after: float = 30.0
    broken: int = 0  # then this many fail with a bug

    async def post_ticket(self, ticket: Ticket, *, maybe_posted: bool = False) -> Posted:
        if self.limited:
            self.limited -= 1
            raise ChatUnavailable(
                "Slack rate-limited the bot", code="ratelimited", retry_after=self.retry_after
            )
        if self.broken:
            self.broken -= 1
            raise RuntimeError("a bug")
        return await super().post_ticket(ticket, maybe_posted=maybe_posted)


async def setup(
    ticket_log: TicketLog, leases: Leases, chat: FakeChat, max_attempts: int
) -> tuple[TicketPipeline, int]:
    runner = TicketPipeline(
        ticket_log,
        leases,
        FakeClassifier(),
        FakeTracker(),
        filing(),
        chat,
        PipelineSettings(max_attempts=max_attempts, retry_base_s=0.01),
    )
    request = NewRequest("k1", TicketSource.SLASH_COMMAND, "C1", "U1", "The VPN drops")
    ticket, _ = await ticket_log.record_request(request)
    return runner, ticket.id


async def test_a_rate_limited_post_waits_for_retry_after_uncounted(
    ticket_log: TicketLog, leases: Leases
) -> None:
    chat = RateLimitedChat(limited=5, retry_after=30)
    runner, ticket_id = await setup(ticket_log, leases, chat, max_attempts=2)
    for _ in range(5):
        before = await ticket_log.clock.now()
        ticket = await runner.run(ticket_id)
        assert ticket is not None and ticket.state is TicketState.FILED
        assert ticket.attempts == 0
        assert ticket.next_attempt_at is not None
        assert (ticket.next_attempt_at - before).total_seconds() >= 30
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED and ticket.attempts == 0
    assert chat.told == []  # nobody hears that anything failed
    assert len(chat.posts) == 1


async def test_rate_limits_leave_the_unexpected_error_budget_whole(
    ticket_log: TicketLog, leases: Leases
) -> None:
    """max_attempts=2: eight 429s and then one bug are still not two failed attempts."""
    chat = RateLimitedChat(limited=8, retry_after=0.01, broken=1)
    runner, ticket_id = await setup(ticket_log, leases, chat, max_attempts=2)
    for _ in range(9):
        ticket = await runner.run(ticket_id)
        assert ticket is not None and ticket.state is TicketState.FILED
    assert ticket is not None and ticket.attempts == 1
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.state is TicketState.POSTED
    assert chat.told == []


async def test_slack_unreachable_still_counts_as_an_attempt(
    ticket_log: TicketLog, leases: Leases
) -> None:
    """Only the rate limit is exempt; a dropped connection is an attempt like any other."""

    @dataclass
    class Unreachable(FakeChat):
        async def post_ticket(self, ticket: Ticket, *, maybe_posted: bool = False) -> Posted:
            raise ChatUnavailable("Slack unreachable: ClientConnectionError")

    runner, ticket_id = await setup(ticket_log, leases, Unreachable(), max_attempts=5)
    ticket = await runner.run(ticket_id)
    assert ticket is not None and ticket.attempts == 1
