from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.db.leases import Leases
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import LeaseLost, StaleState
from bot.tickets import Decision, NewRequest, TicketSource, TicketState


def request(key: str = "envelope-1", user: str = "U1", text: str = "VPN is down") -> NewRequest:
    return NewRequest(
        dedupe_key=key,
        source=TicketSource.SLASH_COMMAND,
        channel_id="C1",
        requester_id=user,
        text=text,
        team_id="T1",
        requester_name="alice",
    )


OWNER = "worker-1"


async def leased(leases: Leases, ticket_id: int) -> str:
    """Take the ticket's lease, as the pipeline does before it writes; the owner."""
    assert await leases.claim(ticket_id, OWNER)
    return OWNER


async def posted(ticket_log: TicketLog, leases: Leases, ticket_id: int) -> None:
    owner = await leased(leases, ticket_id)
    await ticket_log.mark_classified(ticket_id, ClassifiedAs("Bug", 0.7, "llama"), owner=owner)
    await ticket_log.mark_filed(
        ticket_id, key="KAN-1", url="https://x/browse/KAN-1", issue_type="Bug", owner=owner
    )
    await ticket_log.mark_posted(
        ticket_id, channel_id="C1", ts="1.000001", in_channel=True, owner=owner
    )
    await leases.release(ticket_id, owner)


async def test_record_request_creates_a_received_ticket_with_an_event(
    ticket_log: TicketLog,
) -> None:
    ticket, created = await ticket_log.record_request(request())
    assert created
    assert ticket.state is TicketState.RECEIVED
    assert ticket.attempts == 0
    events = await ticket_log.events(ticket.id)
    assert [(e.event, e.actor, e.details) for e in events] == [
        ("received", "U1", {"source": "slash_command"})
    ]


async def test_same_dedupe_key_returns_the_first_ticket(ticket_log: TicketLog) -> None:
    first, _ = await ticket_log.record_request(request())
    again, created = await ticket_log.record_request(request(text="different text"))
    assert not created
    assert again.id == first.id
    assert again.text == "VPN is down"


async def test_concurrent_redeliveries_make_one_ticket(ticket_log: TicketLog) -> None:
    results = await asyncio.gather(*(ticket_log.record_request(request()) for _ in range(8)))
    assert sum(created for _, created in results) == 1
    assert len({ticket.id for ticket, _ in results}) == 1


async def test_step_methods_move_through_the_pipeline(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    owner = await leased(leases, ticket.id)
    ticket = await ticket_log.mark_classified(
        ticket.id, ClassifiedAs("Bug", 0.7, "llama"), owner=owner
    )
    ticket = await ticket_log.mark_filed(
        ticket.id, key="KAN-1", url="https://x/browse/KAN-1", issue_type="Bug", owner=owner
    )
    ticket = await ticket_log.mark_posted(
        ticket.id, channel_id="C1", ts="1.000001", in_channel=True, owner=owner
    )
    assert (ticket.label, ticket.jira_key, ticket.message_ts) == ("Bug", "KAN-1", "1.000001")
    assert (await ticket_log.get_by_jira_key("KAN-1")).id == ticket.id  # type: ignore[union-attr]
    assert (await ticket_log.get_by_message("C1", "1.000001")).id == ticket.id  # type: ignore[union-attr]
    events = [e.event for e in await ticket_log.events(ticket.id)]
    assert events == ["received", "classified", "filed", "posted"]


async def test_a_step_from_an_unexpected_state_is_refused(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    owner = await leased(leases, ticket.id)
    with pytest.raises(StaleState) as refused:
        await ticket_log.mark_posted(
            ticket.id, channel_id="C1", ts="1.1", in_channel=True, owner=owner
        )
    assert not isinstance(refused.value, LeaseLost)
    assert (await ticket_log.get(ticket.id)).state is TicketState.RECEIVED  # type: ignore[union-attr]


async def test_only_one_of_two_racing_workers_advances(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    owner = await leased(leases, ticket.id)
    outcomes = await asyncio.gather(
        *(
            ticket_log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.7, "llama"), owner=owner)
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, StaleState) for o in outcomes if isinstance(o, Exception))


async def test_record_failure_counts_attempts_and_can_give_up(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    owner = await leased(leases, ticket.id)
    ticket = await ticket_log.record_failure(ticket.id, "Jira is down", retry_at=None, owner=owner)
    assert (ticket.attempts, ticket.state) == (1, TicketState.RECEIVED)
    ticket = await ticket_log.record_failure(
        ticket.id, "still down", retry_at=None, owner=owner, give_up=True
    )
    assert (ticket.attempts, ticket.state, ticket.last_error) == (
        2,
        TicketState.FAILED,
        "still down",
    )


async def test_first_decision_wins(ticket_log: TicketLog, leases: Leases) -> None:
    ticket, _ = await ticket_log.record_request(request())
    await posted(ticket_log, leases, ticket.id)
    first, second = await asyncio.gather(
        ticket_log.decide(ticket.id, Decision.APPROVED, "U9"),
        ticket_log.decide(ticket.id, Decision.REJECTED, "U8"),
    )
    assert [first.won, second.won].count(True) == 1
    winner = first if first.won else second
    stored = await ticket_log.get(ticket.id)
    assert stored is not None
    assert (stored.decision, stored.decided_by) == (
        winner.ticket.decision,
        winner.ticket.decided_by,
    )
    assert stored.state.value == stored.decision.value  # type: ignore[union-attr]
    assert stored.decided_at is not None


async def test_decision_before_posting_is_refused(ticket_log: TicketLog) -> None:
    ticket, _ = await ticket_log.record_request(request())
    outcome = await ticket_log.decide(ticket.id, Decision.APPROVED, "U9")
    assert not outcome.won
    assert outcome.ticket.decision is None


async def test_recent_for_requester_is_newest_first_and_limited(ticket_log: TicketLog) -> None:
    for n in range(7):
        await ticket_log.record_request(request(key=f"e{n}", text=f"ticket {n}"))
    await ticket_log.record_request(request(key="other", user="U2"))
    recent = await ticket_log.recent_for_requester("U1")
    assert [t.text for t in recent] == [f"ticket {n}" for n in range(6, 1, -1)]


async def test_unfinished_lists_tickets_left_mid_way(
    ticket_log: TicketLog, leases: Leases
) -> None:
    done, _ = await ticket_log.record_request(request(key="a"))
    owner = await leased(leases, done.id)
    await ticket_log.record_failure(done.id, "boom", retry_at=None, owner=owner, give_up=True)
    waiting, _ = await ticket_log.record_request(request(key="b"))
    assert [t.id for t in await ticket_log.unfinished()] == [waiting.id]


async def test_audit_events_keep_json_details(ticket_log: TicketLog) -> None:
    ticket, _ = await ticket_log.record_request(request())
    await ticket_log.add_event(ticket.id, "U7", "approve_refused", {"reason": "not an approver"})
    events = await ticket_log.events(ticket.id)
    assert events[-1].details == {"reason": "not an approver"}


async def test_retry_failed_resumes_where_it_stopped(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    owner = await leased(leases, ticket.id)
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.7, "llama"), owner=owner)
    await ticket_log.record_failure(
        ticket.id, "Jira said no", retry_at=None, owner=owner, give_up=True
    )
    retried = await ticket_log.retry_failed(ticket.id, actor="cli")
    assert (retried.state, retried.attempts, retried.last_error) == (
        TicketState.CLASSIFIED,
        0,
        None,
    )
    with pytest.raises(StaleState):
        await ticket_log.retry_failed(ticket.id, actor="cli")


async def test_times_come_back_timezone_aware(ticket_log: TicketLog) -> None:
    ticket, _ = await ticket_log.record_request(request())
    stored = await ticket_log.get(ticket.id)
    assert stored is not None and stored.created_at.utcoffset() == timedelta(0)


async def test_count_by_state_is_one_number_per_state_present(
    ticket_log: TicketLog, leases: Leases
) -> None:
    assert await ticket_log.count_by_state() == {}
    for key in ("a", "b", "c"):
        await ticket_log.record_request(request(key))
    await posted(ticket_log, leases, 1)
    assert await ticket_log.count_by_state() == {"received": 2, "posted": 1}
