from __future__ import annotations

from bot.db.examples import ExampleStore
from bot.db.leases import Leases
from bot.db.outbox import Outbox
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.settings import ApprovalSettings, Settings
from bot.tickets import Decision, MessageRef, NewRequest, TicketSource
from bot.triage.decisions import Decider, Refusal
from bot.triage.publisher import Publisher
from tests.triage.fakes import FakeChat, FakeTracker

HERE = MessageRef("C1", "1.1")  # the ticket message the buttons are on


async def posted_ticket(ticket_log: TicketLog, leases: Leases, requester: str = "U1") -> int:
    ticket, _ = await ticket_log.record_request(
        NewRequest("k", TicketSource.SLASH_COMMAND, "C1", requester, "Need a new badge")
    )
    assert await leases.claim(ticket.id, "worker")
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Task", 0.9, "fake"), owner="worker")
    await ticket_log.mark_filed(
        ticket.id, key="KAN-1", url="https://j/browse/KAN-1", issue_type="Task", owner="worker"
    )
    await ticket_log.mark_posted(
        ticket.id, channel_id="C1", ts="1.1", in_channel=True, owner="worker"
    )
    await leases.release(ticket.id, "worker")
    return ticket.id


def decider(
    ticket_log: TicketLog,
    examples: ExampleStore,
    outbox: Outbox,
    approvers: list[str],
    self_ok: bool = False,
) -> Decider:
    settings = Settings(
        approvals=ApprovalSettings(approvers=approvers, allow_self_approval=self_ok)
    )
    publisher = Publisher(ticket_log, outbox, FakeTracker(), FakeChat(), settings)
    return Decider(ticket_log, publisher, settings, examples)


async def test_without_approvers_everyone_is_refused(
    ticket_log: TicketLog, leases: Leases, examples: ExampleStore, outbox: Outbox
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases)
    result = await decider(ticket_log, examples, outbox, []).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    assert result.refusal is Refusal.NO_APPROVERS
    events = [e.event for e in await ticket_log.events(ticket_id)]
    assert events[-1] == "decision_refused"
    assert (await ticket_log.get(ticket_id)).decision is None  # type: ignore[union-attr]


async def test_self_approval_only_when_allowed(
    ticket_log: TicketLog, leases: Leases, examples: ExampleStore, outbox: Outbox
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases, requester="U2")
    refused = await decider(ticket_log, examples, outbox, ["U2"]).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    assert refused.refusal is Refusal.OWN_TICKET
    allowed = await decider(ticket_log, examples, outbox, ["U2"], self_ok=True).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    assert allowed.accepted and allowed.ticket is not None
    assert allowed.ticket.decision is Decision.APPROVED


async def test_unknown_ticket(
    ticket_log: TicketLog, examples: ExampleStore, outbox: Outbox
) -> None:
    result = await decider(ticket_log, examples, outbox, ["U2"]).decide(
        999, Decision.REJECTED, "U2", HERE
    )
    assert result.refusal is Refusal.UNKNOWN_TICKET


async def test_a_click_from_another_message_is_refused(
    ticket_log: TicketLog, leases: Leases, examples: ExampleStore, outbox: Outbox
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases)
    elsewhere = MessageRef("C1", "9.9")
    result = await decider(ticket_log, examples, outbox, ["U2"]).decide(
        ticket_id, Decision.APPROVED, "U2", elsewhere
    )
    assert result.refusal is Refusal.WRONG_MESSAGE
    assert (await ticket_log.get(ticket_id)).decision is None  # type: ignore[union-attr]
    events = [e.event for e in await ticket_log.events(ticket_id)]
    assert events[-1] == "decision_refused"
