"""Slack thread replies become exactly one Jira comment each (``bot.triage.thread_sync``)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.engine import session_factory
from bot.db.leases import Leases
from bot.db.thread_comments import DELETED, DONE, FAILED, PENDING, ThreadComments
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import TrackerConfigError, TrackerUnavailable, TrackerValidationError
from bot.settings import PipelineSettings
from bot.settings_sources import SourceSettings
from bot.tickets import NewRequest, SourceFile, TicketSource
from bot.triage.ports import Person
from bot.triage.reply_files import ReplyFiles
from bot.triage.thread_sync import ThreadReply, ThreadSync
from tests.triage.fakes import FakeAttachments, FakeComments, FakeSourceChat, FakeThreadChat
from tests.triage.test_publisher import posted_ticket

PIPELINE = PipelineSettings(retry_base_s=0.05, retry_max_s=0.05)


@pytest.fixture
def replies(engine: AsyncEngine) -> ThreadComments:
    return ThreadComments(session_factory(engine))


@pytest.fixture
def jira() -> FakeComments:
    return FakeComments()


@pytest.fixture
def chat() -> FakeThreadChat:
    return FakeThreadChat(people={"U1": Person("U1", "Alice Able", "alice@example.com")})


@pytest.fixture
def slack_files() -> FakeSourceChat:
    return FakeSourceChat(files={"F1": b"png" * 10, "F2": b"log", "F3": b"x" * 2048})


@pytest.fixture
def attachments() -> FakeAttachments:
    return FakeAttachments()


@pytest.fixture
def sync(
    ticket_log: TicketLog,
    replies: ThreadComments,
    jira: FakeComments,
    chat: FakeThreadChat,
    slack_files: FakeSourceChat,
    attachments: FakeAttachments,
) -> ThreadSync:
    files = ReplyFiles(slack_files, attachments, SourceSettings(attachment_max_bytes=1024))
    return ThreadSync(ticket_log, replies, jira, chat, files, PIPELINE)


def reply(
    ts: str = "2.1", text: str = "It also fails on <@U2>'s laptop", **kw: object
) -> ThreadReply:
    values: dict[str, object] = {"channel_id": "C1", "thread_ts": "1.1", "user_id": "U1"}
    values.update(kw)
    return ThreadReply(ts=ts, text=text, **values)  # type: ignore[arg-type]


async def copied(sync: ThreadSync, item: ThreadReply) -> int:
    row_id = await sync.reply(item)
    assert row_id is not None
    await sync.push(row_id)
    return row_id


async def test_a_reply_becomes_one_attributed_comment(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    row_id = await copied(sync, reply())
    [body] = jira.bodies("KAN-1")
    assert body.startswith("Alice Able in Slack\\:")
    assert "It also fails on @Name U2's laptop" in body
    assert "ref slack.C1.2.1" in body
    row = await replies.get(row_id)
    assert row is not None and row.state == DONE and row.jira_comment_id == "10000"


async def test_a_redelivered_reply_is_recorded_once(
    sync: ThreadSync, ticket_log: TicketLog, leases: Leases, jira: FakeComments
) -> None:
    await posted_ticket(ticket_log, leases)
    await copied(sync, reply())
    assert await sync.reply(reply()) is None
    assert await sync.push_due() == 0
    assert jira.adds == 1


async def test_replies_outside_a_ticket_thread_are_ignored(
    sync: ThreadSync, ticket_log: TicketLog, leases: Leases
) -> None:
    await posted_ticket(ticket_log, leases)
    assert await sync.reply(reply(thread_ts="9.9")) is None  # a thread the bot did not start
    assert await sync.reply(reply(ts="1.1")) is None  # the ticket message itself
    assert await sync.reply(reply(channel_id="C2")) is None
    assert await sync.reply(reply(text="  ")) is None  # nothing to copy


async def test_a_lost_answer_is_found_by_its_marker_not_posted_again(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    jira.lose_answer = True
    row_id = await copied(sync, reply())
    row = await replies.get(row_id)
    assert row is not None and row.state == PENDING and row.post_started_at is not None
    await replies.retry_at(row_id, row.created_at, "retry now")  # its time has come
    assert await sync.push_due() == 1
    assert jira.adds == 1 and jira.finds == 1
    row = await replies.get(row_id)
    assert row is not None and row.state == DONE and row.jira_comment_id == "10000"


async def test_jira_down_is_retried_until_it_is_back(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    jira.failures = [TrackerUnavailable("Jira is down", status=503)]
    row_id = await copied(sync, reply())
    row = await replies.get(row_id)
    assert row is not None and row.state == PENDING and row.attempts == 1
    await replies.retry_at(row_id, row.created_at, "retry now")
    await sync.push_due()
    assert len(jira.bodies("KAN-1")) == 1


async def test_an_edit_updates_and_a_deletion_deletes_the_same_comment(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    row_id = await copied(sync, reply())
    assert await sync.edited("C1", "2.1", "Actually only on Windows") == row_id
    await sync.push(row_id)
    [body] = jira.bodies("KAN-1")
    assert "in Slack \\(edited\\)" in body and "Actually only on Windows" in body
    assert await sync.deleted("C1", "2.1") == row_id
    await sync.push(row_id)
    assert jira.bodies("KAN-1") == []
    row = await replies.get(row_id)
    assert row is not None and row.state == DELETED
    assert await sync.edited("C1", "2.1", "too late") is None


async def test_edits_of_messages_we_never_copied_change_nothing(sync: ThreadSync) -> None:
    assert await sync.edited("C1", "5.5", "hello") is None
    assert await sync.deleted("C1", "5.5") is None


async def test_a_deleted_jira_issue_is_given_up_and_the_author_told(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    chat: FakeThreadChat,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    jira.gone.add("KAN-1")
    row_id = await copied(sync, reply())
    row = await replies.get(row_id)
    assert row is not None and row.state == FAILED
    assert chat.told == [("C1", "1.1", "U1", messages.THREAD_ISSUE_GONE.format(key="KAN-1"))]


async def test_a_refused_comment_is_given_up(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    chat: FakeThreadChat,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    jira.failures = [TrackerValidationError("no", field_errors={"comment": "bad"})]
    row_id = await copied(sync, reply())
    row = await replies.get(row_id)
    assert row is not None and row.state == FAILED
    assert chat.told[0][3] == messages.THREAD_COPY_REFUSED.format(key="KAN-1")


async def test_a_user_who_left_slack_and_a_reply_with_only_files(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    chat: FakeThreadChat,
) -> None:
    await posted_ticket(ticket_log, leases)
    chat.people["U9"] = None
    await copied(sync, reply(user_id="U9", text="", files=(SourceFile("F1", "screen.png", 30),)))
    [body] = jira.bodies("KAN-1")
    assert body.startswith(messages.THREAD_UNKNOWN_AUTHOR + " in Slack")
    assert "Attached from Slack\\: screen.png" in body


async def test_files_are_attached_once_and_the_others_named(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    attachments: FakeAttachments,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    files = (
        SourceFile("F1", "screen.png", 30),
        SourceFile("F2", "app.log", 3),
        SourceFile("F3", "dump.bin", 2048),  # over the 1 KB limit of this test
        SourceFile("F9", "gone.txt", 5),  # deleted in Slack meanwhile
    )
    jira.lose_answer = True  # the comment is posted, its answer lost: the reply is retried
    row_id = await copied(sync, reply(text="logs attached", files=files))
    row = await replies.get(row_id)
    assert row is not None
    await replies.retry_at(row_id, row.created_at, "retry now")
    await sync.push_due()
    assert attachments.issues["KAN-1"] == [("screen.png", 30), ("app.log", 3)]  # not twice
    [body] = jira.bodies("KAN-1")
    assert "Attached from Slack\\: screen.png, app.log" in body
    assert "dump.bin \\(2 KB is over the 1 KB limit\\)" in body
    assert "gone.txt \\(deleted in Slack\\)" in body


async def test_a_huge_reply_is_cut_to_jiras_limit_with_a_note(
    sync: ThreadSync, ticket_log: TicketLog, leases: Leases, jira: FakeComments
) -> None:
    await posted_ticket(ticket_log, leases)
    await copied(sync, reply(text="word " * 10_000))
    [body] = jira.bodies("KAN-1")
    assert len(body) <= 32_767
    assert "trimmed" in body and "the reply had 50,000 characters" in body


async def test_a_reply_before_the_ticket_message_is_recorded_waits_for_it(
    sync: ThreadSync, ticket_log: TicketLog, leases: Leases, jira: FakeComments
) -> None:
    ticket, _ = await ticket_log.record_request(
        NewRequest("k", TicketSource.SLASH_COMMAND, "C1", "U1", "Need a new badge")
    )
    assert await leases.claim(ticket.id, "worker")
    await ticket_log.mark_classified(ticket.id, ClassifiedAs("Task", 0.9, "fake"), owner="worker")
    await ticket_log.mark_filed(
        ticket.id, key="KAN-1", url="https://j/browse/KAN-1", issue_type="Task", owner="worker"
    )
    await ticket_log.mark_started(ticket.id, "slack_post", owner="worker")  # being posted
    now = f"{time.time():.6f}"

    async def posted_a_moment_later() -> None:
        await asyncio.sleep(0.3)
        await ticket_log.mark_posted(
            ticket.id, channel_id="C1", ts=now, in_channel=True, owner="worker"
        )

    later = asyncio.create_task(posted_a_moment_later())
    row_id = await sync.reply(reply(thread_ts=now))  # Slack shows the post: someone replied
    await later
    assert row_id is not None
    await sync.push(row_id)
    assert len(jira.bodies("KAN-1")) == 1


async def test_a_reply_in_an_old_thread_is_not_waited_for(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    replies: ThreadComments,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await posted_ticket(ticket_log, leases)
    asked: list[str] = []

    async def posting(channel_id: str) -> bool:
        asked.append(channel_id)
        return True  # a ticket message is always being posted: only the thread's age helps

    monkeypatch.setattr(replies, "posting", posting)
    assert await sync.reply(reply(thread_ts="1700000000.000100")) is None  # not a ticket's
    assert asked == []  # a thread that old was not started by a post still in flight


async def test_a_jira_credentials_problem_is_retried_not_given_up(
    sync: ThreadSync,
    ticket_log: TicketLog,
    leases: Leases,
    jira: FakeComments,
    chat: FakeThreadChat,
    replies: ThreadComments,
) -> None:
    await posted_ticket(ticket_log, leases)
    jira.failures = [TrackerConfigError("Jira rejected the credentials (401)", status=401)]
    row_id = await copied(sync, reply())
    row = await replies.get(row_id)
    assert row is not None and row.state == PENDING and chat.told == []
    await replies.retry_at(row_id, row.created_at, "retry now")  # the operator fixed the token
    await sync.push_due()
    assert len(jira.bodies("KAN-1")) == 1
