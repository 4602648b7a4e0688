"""Tickets from an existing Slack message: one per message, what filing owes afterwards
(the confirmation, the files), the emoji switch per channel."""

from __future__ import annotations

import asyncio

import pytest

from bot.db.leases import Leases
from bot.db.outbox import DONE, PENDING, Outbox
from bot.db.sources import CONFIRM_IN_SOURCE, COPY_FILES
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import TrackerUnavailable
from bot.settings import JiraSettings, PipelineSettings, Settings
from bot.settings_routing import ChannelRoute, RoutingSettings
from bot.settings_sources import SourceSettings
from bot.tickets import SourceFile, TicketSource
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.publisher import JIRA_COMMENT, Publisher
from bot.triage.routing import Router
from bot.triage.sources import (
    FoundMessage,
    MessageFiling,
    SourceEffects,
    already_filed,
    emoji_switch,
    refusal,
)
from bot.triage.worker import TicketWorker
from tests.triage.fakes import (
    FakeAttachments,
    FakeChannels,
    FakeChat,
    FakeClassifier,
    FakeSourceChat,
    FakeTracker,
    filing,
)

MB = 1024 * 1024
SOURCES = SourceSettings(attachment_max_bytes=MB, max_files=3)
SETTINGS = Settings(pipeline=PipelineSettings(retry_base_s=0.05, retry_max_s=0.05))
MESSAGE = FoundMessage(
    "C1", "1700000000.000100", "U2", "The printer on floor 3 is on fire", author_name="bob",
    permalink="https://emulated.slack.com/archives/C1/p1700000000000100",
)


def parked_intake(ticket_log: TicketLog, leases: Leases) -> tuple[Intake, TicketWorker]:
    """An intake whose worker files with the fakes."""
    pipeline = TicketPipeline(
        ticket_log, leases, FakeClassifier(), FakeTracker(), filing(), FakeChat(),
        PipelineSettings(),
    )
    worker = TicketWorker(pipeline, ticket_log, PipelineSettings())
    return Intake(ticket_log, worker, 1), worker


async def test_one_ticket_per_message_however_many_file_it_at_once(
    ticket_log: TicketLog, leases: Leases
) -> None:
    intake, worker = parked_intake(ticket_log, leases)
    filing_ = MessageFiling(intake, ticket_log, SOURCES)
    results = await asyncio.gather(
        filing_.file(MESSAGE, filed_by="U1", source=TicketSource.REACTION),
        filing_.file(MESSAGE, filed_by="U3", source=TicketSource.REACTION),
        filing_.file(MESSAGE, filed_by="U1", source=TicketSource.SHORTCUT, summary="Fire"),
    )
    await worker.stop()
    assert sum(r.created for r in results) == 1
    assert len({r.ticket.id for r in results}) == 1
    ticket = next(r.ticket for r in results if r.created)
    assert (ticket.source_channel_id, ticket.source_ts) == ("C1", MESSAGE.ts)
    assert ticket.requester_id == "U2" and ticket.filed_by in ("U1", "U3")
    assert ticket.source_permalink == MESSAGE.permalink
    found = await filing_.filed_from("C1", MESSAGE.ts)
    assert found is not None and found.id == ticket.id
    assert "is already filed as <https://" in already_filed(found)
    assert already_filed(found, link=False).endswith(f"filed as {found.jira_key}.")


async def test_the_author_filing_their_own_message_is_not_filed_by(
    ticket_log: TicketLog, leases: Leases
) -> None:
    intake, worker = parked_intake(ticket_log, leases)
    files = (SourceFile("F1", "log.txt", 10),)
    filed = await MessageFiling(intake, ticket_log, SOURCES).file(
        MESSAGE, filed_by="U2", source=TicketSource.SHORTCUT, requester_id="U3",
        summary="Fire", details="on floor 3", files=files,
    )
    await worker.stop()
    assert filed.ticket.requester_id == "U3" and filed.ticket.filed_by == "U2"
    assert filed.ticket.text == "Fire\n\non floor 3"
    assert filed.ticket.source_files == [{"id": "F1", "name": "log.txt", "size": 10}]


def test_bots_and_empty_messages_are_refused() -> None:
    bot = FoundMessage("C1", "1.1", "B1", "deploy finished", from_bot=True)
    empty = FoundMessage("C1", "1.2", "U1", " @bob ", only_mentions=True)
    assert "bots and apps" in (refusal(bot) or "")
    assert "no text" in (refusal(empty) or "")
    assert "no text" in (refusal(FoundMessage("C1", "1.3", "U1", " ")) or "")
    assert refusal(MESSAGE) is None


async def filed_ticket(ticket_log: TicketLog, leases: Leases, files: list[SourceFile]) -> int:
    intake, worker = parked_intake(ticket_log, leases)
    await worker.stop()  # file by hand below
    filed = await MessageFiling(intake, ticket_log, SOURCES).file(
        MESSAGE, filed_by="U1", source=TicketSource.REACTION, files=tuple(files)
    )
    ticket_id = filed.ticket.id
    assert await leases.claim(ticket_id, "w")
    await ticket_log.mark_classified(ticket_id, ClassifiedAs("Bug", 0.9, "fake"), owner="w")
    await ticket_log.mark_filed(
        ticket_id, key="KAN-7", url="https://j/browse/KAN-7", issue_type="Bug", owner="w"
    )
    await leases.release(ticket_id, "w")
    return ticket_id


async def test_filing_owes_the_confirmation_then_the_files(
    ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    ticket_id = await filed_ticket(ticket_log, leases, [SourceFile("F1", "a.txt", 3)])
    tasks = await outbox.tasks(ticket_id)
    assert [t.kind for t in tasks] == [CONFIRM_IN_SOURCE, COPY_FILES]
    chat, attachments = FakeSourceChat(files={"F1": b"abc"}), FakeAttachments()
    effects = SourceEffects(chat, attachments, SOURCES)
    publisher = Publisher(ticket_log, outbox, FakeTracker(), FakeChat(), SETTINGS, effects)
    await publisher.publish(ticket_id)
    await publisher.publish(ticket_id)  # again: nothing is done twice
    assert chat.confirmed == [ticket_id]
    assert attachments.issues == {"KAN-7": [("a.txt", 3)]}
    assert {t.state for t in await outbox.tasks(ticket_id)} == {DONE}


async def test_files_over_the_cap_too_many_or_gone_are_listed_in_a_comment(
    ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    files = [
        SourceFile("F1", "ok.txt", 2),
        SourceFile("F2", "huge.iso", 2 * MB),
        SourceFile("F3", "deleted.png", 5),
        SourceFile("F4", "fourth.txt", 1),
    ]
    ticket_id = await filed_ticket(ticket_log, leases, files)
    chat = FakeSourceChat(files={"F1": b"ok", "F4": b"4"}, gone={"F3"})
    attachments = FakeAttachments()
    publisher = Publisher(
        ticket_log, outbox, FakeTracker(), FakeChat(), SETTINGS,
        SourceEffects(chat, attachments, SOURCES),
    )
    await publisher.publish(ticket_id)
    assert attachments.issues == {"KAN-7": [("ok.txt", 2)]}
    [comment] = [t for t in await outbox.tasks(ticket_id) if t.kind == JIRA_COMMENT]
    text = comment.payload["text"]
    assert "huge.iso: 2.0 MB is over the 1.0 MB limit" in text
    assert "deleted.png: deleted in Slack" in text
    assert "fourth.txt: more than 3 files" in text
    assert "ok.txt" not in text


async def test_a_retried_copy_uploads_only_what_is_missing(
    ticket_log: TicketLog, leases: Leases, outbox: Outbox
) -> None:
    files = [SourceFile("F1", "a.txt", 1), SourceFile("F2", "b.txt", 2)]
    ticket_id = await filed_ticket(ticket_log, leases, files)
    chat = FakeSourceChat(files={"F1": b"a", "F2": b"bb"})
    attachments = FakeAttachments(issues={"KAN-7": [("a.txt", 1)]})  # an earlier attempt's
    attachments.failures.append(TrackerUnavailable("Jira is down"))
    publisher = Publisher(
        ticket_log, outbox, FakeTracker(), FakeChat(), SETTINGS,
        SourceEffects(chat, attachments, SOURCES),
    )
    await publisher.publish(ticket_id)
    states = {t.kind: t.state for t in await outbox.tasks(ticket_id)}
    assert states[COPY_FILES] == PENDING
    await asyncio.sleep(0.1)  # the retry time (retry_base_s) passes
    await publisher.publish(ticket_id)
    assert attachments.issues["KAN-7"] == [("a.txt", 1), ("b.txt", 2)]


@pytest.mark.parametrize(
    ("route", "default", "expected"),
    [(True, False, True), (False, True, False), (None, True, True), (None, False, False)],
)
async def test_the_channel_route_decides_the_emoji(
    route: bool | None, default: bool, expected: bool
) -> None:
    settings = Settings(
        jira=JiraSettings(project_key="KAN"),
        routing=RoutingSettings(channels={"C0123ABC": ChannelRoute(emoji_filing=route)}),
    )
    switch = emoji_switch(Router(settings, FakeChannels()), default)
    assert await switch("C0123ABC") is expected
    assert await switch("C9") is default


async def test_an_unknown_route_files_nothing() -> None:
    settings = Settings(
        jira=JiraSettings(project_key="KAN"),
        routing=RoutingSettings(channels={"#support": ChannelRoute(emoji_filing=True)}),
    )
    switch = emoji_switch(Router(settings, FakeChannels(down=True)), True)
    assert await switch("C1") is False
