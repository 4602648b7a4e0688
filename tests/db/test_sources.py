"""The ticket log keeps one ticket per Slack message (migration 0010), on both backends, and
``mark_filed`` owes the message's confirmation and files."""

from __future__ import annotations

import asyncio

from bot.db.leases import Leases
from bot.db.outbox import Outbox
from bot.db.sources import CONFIRM_IN_SOURCE, COPY_FILES
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.tickets import NewRequest, SourceFile, SourceMessage, TicketSource, source_dedupe_key

TS = "1700000000.000100"


def from_message(filed_by: str, files: tuple[SourceFile, ...] = ()) -> NewRequest:
    return NewRequest(
        dedupe_key=source_dedupe_key("C1", TS),
        source=TicketSource.REACTION,
        channel_id="C1",
        requester_id="U2",
        text="Disk full",
        source_message=SourceMessage("C1", TS, "https://x.slack.com/archives/C1/p1"),
        files=files,
        filed_by=filed_by,
    )


async def test_one_ticket_per_message_even_at_once(ticket_log: TicketLog) -> None:
    results = await asyncio.gather(
        *(ticket_log.record_request(from_message(user)) for user in ("U1", "U3", "U4"))
    )
    assert sum(created for _, created in results) == 1
    assert len({ticket.id for ticket, _ in results}) == 1
    found = await ticket_log.get_by_source("C1", TS)
    assert found is not None and found.source_permalink == "https://x.slack.com/archives/C1/p1"
    assert await ticket_log.get_by_source("C1", "1.1") is None


async def test_filing_enqueues_the_confirmation_then_the_files(
    ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket, _ = await ticket_log.record_request(
        from_message("U1", (SourceFile("F1", "a.txt", 3),))
    )
    assert ticket.source_files == [{"id": "F1", "name": "a.txt", "size": 3}]
    assert await leases.claim(ticket.id, "w")
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.9, "fake"), owner="w")
    await ticket_log.mark_filed(ticket.id, key="KAN-1", url="u", issue_type="Bug", owner="w")
    assert [t.kind for t in await outbox.tasks(ticket.id)] == [CONFIRM_IN_SOURCE, COPY_FILES]


async def test_a_ticket_typed_with_ticket_owes_nothing_more(
    ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket, _ = await ticket_log.record_request(
        NewRequest("slash:1", TicketSource.SLASH_COMMAND, "C1", "U1", "VPN down")
    )
    assert await leases.claim(ticket.id, "w")
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.9, "fake"), owner="w")
    await ticket_log.mark_filed(ticket.id, key="KAN-1", url="u", issue_type="Bug", owner="w")
    assert await outbox.tasks(ticket.id) == []
