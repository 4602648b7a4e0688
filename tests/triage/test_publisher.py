"""Decisions reach Slack and Jira through outages: the outbox and the publisher."""

from __future__ import annotations

import asyncio

import pytest

from bot.db.examples import ExampleStore
from bot.db.leases import Leases
from bot.db.outbox import DONE, FAILED, PENDING, Outbox
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.settings import ApprovalSettings, JiraSettings, PipelineSettings, Settings
from bot.tickets import Decision, MessageRef, NewRequest, TicketSource, TicketState
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider
from bot.triage.publisher import Publisher
from tests.triage.fakes import FakeChat, FakeTracker

SETTINGS = Settings(
    approvals=ApprovalSettings(approvers=["U2"]),
    jira=JiraSettings(transitions={"approve": "Done", "reject": "Won't Do"}),
    pipeline=PipelineSettings(retry_base_s=0.05, retry_max_s=0.05),
)

HERE = MessageRef("C1", "1.1")  # the ticket message the buttons are on


@pytest.fixture
def parts() -> tuple[FakeTracker, FakeChat]:
    return FakeTracker(), FakeChat()


@pytest.fixture
def publisher(
    ticket_log: TicketLog, outbox: Outbox, parts: tuple[FakeTracker, FakeChat]
) -> Publisher:
    tracker, chat = parts
    return Publisher(ticket_log, outbox, tracker, chat, SETTINGS)


async def posted_ticket(ticket_log: TicketLog, leases: Leases, key: str = "k") -> int:
    ticket, _ = await ticket_log.record_request(
        NewRequest(key, TicketSource.SLASH_COMMAND, "C1", "U1", "Need a new badge")
    )
    assert await leases.claim(ticket.id, "worker")
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Task", 0.9, "fake"), owner="worker")
    await ticket_log.mark_filed(
        ticket.id,
        key=f"KAN-{ticket.id}",
        url="https://j/browse/KAN-1",
        issue_type="Task",
        owner="worker",
    )
    await ticket_log.mark_posted(
        ticket.id, channel_id="C1", ts="1.1", in_channel=True, owner="worker"
    )
    await leases.release(ticket.id, "worker")
    return ticket.id


async def states(outbox: Outbox, ticket_id: int) -> list[tuple[str, str]]:
    return [(task.kind, task.state) for task in await outbox.tasks(ticket_id)]


async def test_a_decision_is_shown_everywhere_at_once(
    ticket_log: TicketLog,
    leases: Leases,
    examples: ExampleStore,
    outbox: Outbox,
    publisher: Publisher,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, chat = parts
    ticket_id = await posted_ticket(ticket_log, leases)
    result = await Decider(ticket_log, publisher, SETTINGS, examples).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    assert result.accepted
    assert await states(outbox, ticket_id) == [
        ("show_message", DONE),
        ("thread_reply", DONE),
        ("jira_comment", DONE),
        ("jira_transition", DONE),
    ]
    assert chat.updates == [ticket_id] and "approved by <@U2>" in chat.thread_replies[0]
    assert tracker.comments == [("KAN-1", "Approved by U2 in Slack.")]
    assert tracker.transitions == [("KAN-1", "Done")]


async def test_a_decision_made_during_an_outage_reaches_slack_and_jira_afterwards(
    ticket_log: TicketLog,
    leases: Leases,
    examples: ExampleStore,
    outbox: Outbox,
    publisher: Publisher,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, chat = parts
    tracker.down = chat.down = True
    ticket_id = await posted_ticket(ticket_log, leases)
    await Decider(ticket_log, publisher, SETTINGS, examples).decide(
        ticket_id, Decision.REJECTED, "U2", HERE
    )
    assert (await ticket_log.get(ticket_id)).state is TicketState.REJECTED  # type: ignore[union-attr]
    assert await states(outbox, ticket_id) == [
        ("show_message", PENDING),
        ("thread_reply", PENDING),
        ("jira_comment", PENDING),
        ("jira_transition", PENDING),
    ]
    for _ in range(3):  # still down: the tasks keep waiting, nothing is given up
        await asyncio.sleep(0.06)
        await publisher.publish_due()
    assert {state for _, state in await states(outbox, ticket_id)} == {PENDING}
    tracker.down = chat.down = False
    await asyncio.sleep(0.06)
    assert await publisher.publish_due() == 1
    assert {state for _, state in await states(outbox, ticket_id)} == {DONE}
    assert tracker.comments == [("KAN-1", "Rejected by U2 in Slack.")]
    assert tracker.transitions == [("KAN-1", "Won't Do")]
    assert chat.updates == [ticket_id] and len(chat.thread_replies) == 1


async def test_a_transition_the_workflow_lacks_is_audited_and_skipped(
    ticket_log: TicketLog,
    leases: Leases,
    examples: ExampleStore,
    outbox: Outbox,
    publisher: Publisher,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, _ = parts
    tracker.workflow = ("Closed",)
    ticket_id = await posted_ticket(ticket_log, leases)
    await Decider(ticket_log, publisher, SETTINGS, examples).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    assert (await states(outbox, ticket_id))[-1] == ("jira_transition", FAILED)
    events = [e.event for e in await ticket_log.events(ticket_id)]
    assert "publish_failed" in events


async def test_a_task_failing_past_the_ceiling_is_given_up(
    ticket_log: TicketLog,
    leases: Leases,
    examples: ExampleStore,
    outbox: Outbox,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, chat = parts
    tracker.down = True
    short = SETTINGS.model_copy(
        update={"pipeline": PipelineSettings(retry_base_s=0.01, give_up_after_s=0.05)}
    )
    publisher = Publisher(ticket_log, outbox, tracker, chat, short)
    ticket_id = await posted_ticket(ticket_log, leases)
    await Decider(ticket_log, publisher, short, examples).decide(
        ticket_id, Decision.APPROVED, "U2", HERE
    )
    await asyncio.sleep(0.06)
    await publisher.publish_due()
    assert ("jira_comment", FAILED) in await states(outbox, ticket_id)


async def test_two_replicas_run_each_task_once(
    ticket_log: TicketLog,
    leases: Leases,
    outbox: Outbox,
    examples: ExampleStore,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, chat = parts
    tracker.down = chat.down = True
    first = Publisher(ticket_log, outbox, tracker, chat, SETTINGS)
    second = Publisher(ticket_log, outbox, tracker, chat, SETTINGS)
    ids = [await posted_ticket(ticket_log, leases, key=f"k{n}") for n in range(4)]
    for ticket_id in ids:
        await Decider(ticket_log, first, SETTINGS, examples).decide(
            ticket_id, Decision.APPROVED, "U2", HERE
        )
    tracker.down = chat.down = False
    await asyncio.sleep(0.06)
    await asyncio.gather(first.publish_due(), second.publish_due())
    await asyncio.sleep(0.06)
    await asyncio.gather(first.publish_due(), second.publish_due())
    assert sorted(key for key, _ in tracker.comments) == sorted(f"KAN-{i}" for i in ids)
    assert len(tracker.transitions) == 4 and len(chat.thread_replies) == 4


async def test_a_correction_reaches_jira_after_an_outage(
    ticket_log: TicketLog,
    leases: Leases,
    examples: ExampleStore,
    outbox: Outbox,
    publisher: Publisher,
    parts: tuple[FakeTracker, FakeChat],
) -> None:
    tracker, chat = parts
    tracker.down = True
    ticket_id = await posted_ticket(ticket_log, leases)
    result = await Corrector(ticket_log, publisher, SETTINGS, examples).correct(
        ticket_id, "Bug", "U2", HERE
    )
    assert result.changed and tracker.type_changes == []
    tracker.down = False
    await asyncio.sleep(0.06)
    await publisher.publish_due()
    assert tracker.type_changes == [("KAN-1", "Bug")]
    assert chat.updates == [ticket_id]
