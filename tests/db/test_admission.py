"""The caps on unfinished tickets, counted in the transaction that records requests."""

from __future__ import annotations

from sqlalchemy import update

from bot.db.admission import Caps
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import QuotaExceeded
from bot.tickets import NewRequest, TicketSource, TicketState


def request(key: str, user: str = "U1") -> NewRequest:
    return NewRequest(key, TicketSource.SLASH_COMMAND, "C1", user, f"text of {key}")

async def dedupe_keys(ticket_log: TicketLog) -> set[str]:
    return {ticket.dedupe_key for ticket in await ticket_log.listing(limit=1000)}



def outcome(results: list[tuple[Ticket, bool] | QuotaExceeded]) -> list[str]:
    return [r.kind if isinstance(r, QuotaExceeded) else f"#{r[0].id} {r[1]}" for r in results]


async def finish_all(ticket_log: TicketLog) -> None:
    async with ticket_log._write("finish every ticket") as session:
        await session.execute(update(Ticket).values(state=TicketState.POSTED))


async def test_a_requester_over_the_cap_is_refused_in_order(ticket_log: TicketLog) -> None:
    caps = Caps(per_requester=2, retry_s=120)
    batch = [request("a"), request("b"), request("c"), request("d", user="U2"), request("e")]
    results = await ticket_log.record_requests(batch, caps)
    assert outcome(results) == ["#1 True", "#2 True", "unfinished", "#3 True", "unfinished"]
    refusal = results[2]
    assert isinstance(refusal, QuotaExceeded) and (refusal.limit, refusal.wait_s) == (2, 120)
    assert "c" not in await dedupe_keys(ticket_log)
    events = [await ticket_log.events(n) for n in (1, 2, 3)]
    assert all([e.event for e in found] == ["received"] for found in events)


async def test_everyone_together_over_the_total_cap_is_told_busy(ticket_log: TicketLog) -> None:
    caps = Caps(per_requester=10, total=3)
    await ticket_log.record_requests([request("a"), request("b", user="U2")], caps)
    results = await ticket_log.record_requests([request("c", user="U3"), request("d")], caps)
    assert outcome(results) == ["#3 True", "busy"]


async def test_finished_tickets_do_not_count(ticket_log: TicketLog) -> None:
    caps = Caps(per_requester=1, total=1)
    await ticket_log.record_requests([request("a")], caps)
    assert outcome(await ticket_log.record_requests([request("b")], caps)) == ["unfinished"]
    await finish_all(ticket_log)
    assert outcome(await ticket_log.record_requests([request("b")], caps)) == ["#2 True"]


async def test_a_redelivery_is_never_refused(ticket_log: TicketLog) -> None:
    caps = Caps(per_requester=1, total=1)
    await ticket_log.record_requests([request("a")], caps)
    results = await ticket_log.record_requests([request("a"), request("a"), request("b")], caps)
    assert outcome(results) == ["#1 False", "#1 False", "unfinished"]


async def test_without_caps_nothing_is_counted_or_refused(ticket_log: TicketLog) -> None:
    batch = [request(f"k{n}") for n in range(30)]
    results = await ticket_log.record_requests(batch, Caps())
    assert all(not isinstance(r, QuotaExceeded) and r[1] for r in results)
