"""Slack thread → Jira: a person's reply in a ticket's thread becomes one Jira comment.

Only replies in the thread of a ticket message the bot posted count (the listener already
drops bot and app messages, the bot's own included). The reply is recorded first
(``bot.db.thread_comments``, unique on channel + ts: a redelivered event records nothing),
then copied at once and, through outages and restarts, by a loop on any replica (claims are
compare-and-set). Exactly one comment even when Jira's answer is lost: the attempt is noted
before the post, and a later attempt looks for the comment by its marker
(``bot.tracker.comment_body.marker``) before posting again.

Files shared in the reply are attached to the issue (``bot.triage.reply_files``, the
attachment code of issue 17) before the comment is posted, and the comment names them.

Edits and deletions in Slack are reflected: an edit updates the same Jira comment ("(edited)"
after the name), a deletion deletes it. A Jira issue that no longer exists, or a comment Jira
refuses for good, is given up, and the author is told in the thread (only them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot import messages
from bot.db.models import ThreadComment, Ticket, utcnow
from bot.db.thread_comments import DELETING, NewReply, ThreadComments, row_files
from bot.db.ticket_reads import TicketReads
from bot.errors import (
    ChatError,
    IssueNotFound,
    TicketbotError,
    TrackerConfigError,
    TransientError,
)
from bot.loops import Every
from bot.settings import PipelineSettings
from bot.tickets import SourceFile
from bot.tracker.comment_body import SlackComment, marker
from bot.triage.ports import CommentTracker, Person, ThreadChat
from bot.triage.reply_files import CopiedFiles, ReplyFiles
from bot.triage.slack_text import mentioned_users, to_plain

log = logging.getLogger(__name__)
MAX_MENTION_LOOKUPS = 20
#: A reply can arrive before the ticket message's ts is recorded (Slack shows the message as
#: soon as it is posted): in a thread started less than POSTING_WAIT_S ago, while a ticket
#: message is being posted in that channel, look again until then. The event is acknowledged
#: after this (``bot.slack.listeners.messages``): past Slack's 3 s, Slack delivers it again,
#: and the second delivery records nothing new.
POSTING_WAIT_S = 5.0
POSTING_POLL_S = 0.1


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """A message a person posted in a thread, as Slack delivered it (text in mrkdwn)."""

    channel_id: str
    ts: str
    thread_ts: str
    user_id: str
    text: str
    files: tuple[SourceFile, ...] = ()


class ThreadSync:
    def __init__(
        self,
        tickets: TicketReads,
        replies: ThreadComments,
        tracker: CommentTracker,
        chat: ThreadChat,
        files: ReplyFiles,
        pipeline: PipelineSettings,
    ) -> None:
        self._tickets = tickets
        self._replies = replies
        self._tracker = tracker
        self._chat = chat
        self._files = files
        self._pipeline = pipeline
        self._loop = Every(
            "thread-sync", self.push_due, pipeline.resume_interval_s,
            "could not look for thread replies to copy",
        )

    # -- what Slack tells us -----------------------------------------------------------

    async def reply(self, reply: ThreadReply) -> int | None:
        """Record a thread reply that belongs to a ticket; its row id (None: not ours, empty,
        or already recorded)."""
        if reply.ts == reply.thread_ts or not (reply.text.strip() or reply.files):
            return None
        ticket = await self._ticket_of(reply)
        if ticket is None:
            log.debug("reply %s in %s: not a ticket's thread", reply.ts, reply.channel_id)
            return None
        row_id = await self._replies.record(
            NewReply(ticket.id, reply.channel_id, reply.ts, reply.user_id, reply.text, reply.files)
        )
        if row_id is not None:
            log.info("ticket %s: thread reply %s recorded", ticket.id, reply.ts)
        return row_id

    async def _ticket_of(self, reply: ThreadReply) -> Ticket | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + POSTING_WAIT_S - _age_s(reply.thread_ts)
        while True:
            ticket = await self._tickets.get_by_message(reply.channel_id, reply.thread_ts)
            if ticket is not None or loop.time() >= deadline:
                return ticket
            if not await self._replies.posting(reply.channel_id):  # posted meanwhile, or none
                return await self._tickets.get_by_message(reply.channel_id, reply.thread_ts)
            await asyncio.sleep(POSTING_POLL_S)

    async def edited(
        self, channel_id: str, ts: str, text: str, files: Sequence[SourceFile] = ()
    ) -> int | None:
        """A recorded reply was edited; its row id (None: not one we copy)."""
        return await self._replies.edit(channel_id, ts, text, files)

    async def deleted(self, channel_id: str, ts: str) -> int | None:
        return await self._replies.delete(channel_id, ts)

    # -- copying to Jira ---------------------------------------------------------------

    async def push(self, row_id: int) -> None:
        """Copy one reply now, if no one else is; never raises."""
        try:
            row = await self._replies.get(row_id)
            if row is not None and await self._replies.claim(row):
                await self._run(row)
        except Exception:
            log.exception("thread reply %s: copying failed", row_id)

    async def push_due(self) -> int:
        due = await self._replies.due()
        for row_id in due:
            await self.push(row_id)
        return len(due)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _run(self, row: ThreadComment) -> None:
        ticket = await self._tickets.get(row.ticket_id)
        if ticket is None or not ticket.jira_key:
            await self._replies.give_up(row.id, "the ticket has no Jira issue")
            return
        try:
            if row.state == DELETING:
                await self._delete(ticket.jira_key, row)
            else:
                await self._copy(ticket.jira_key, row)
        except (TransientError, TrackerConfigError) as exc:  # config: an operator can fix it
            await self._later(row, exc)
        except IssueNotFound as exc:
            await self._failed(ticket, row, str(exc), messages.THREAD_ISSUE_GONE)
        except TicketbotError as exc:
            await self._failed(ticket, row, str(exc), messages.THREAD_COPY_REFUSED)

    async def _copy(self, key: str, row: ThreadComment) -> None:
        copied = await self._files.copy(key, row_files(row))
        comment, email = await self._comment(row, copied)
        if row.jira_comment_id:
            await self._tracker.update(key, row.jira_comment_id, comment, email)
            await self._replies.synced(row, row.jira_comment_id)
            return
        if row.post_started_at is not None:
            found = await self._tracker.find(key, comment.marker)
            if found is not None:
                log.info("jira %s: reply %s was already copied as %s", key, row.message_ts, found)
                if row.version > 1:
                    await self._tracker.update(key, found, comment, email)
                await self._replies.synced(row, found)
                return
        await self._replies.mark_started(row.id)
        comment_id = await self._tracker.add(key, comment, email)
        await self._replies.synced(row, comment_id)

    async def _delete(self, key: str, row: ThreadComment) -> None:
        comment_id = row.jira_comment_id
        if comment_id is None and row.post_started_at is not None:
            comment_id = await self._tracker.find(key, marker(row.channel_id, row.message_ts))
        if comment_id is not None:
            try:
                await self._tracker.delete(key, comment_id)
            except IssueNotFound:
                log.info("jira %s: comment %s was already gone", key, comment_id)
        await self._replies.synced(row, comment_id)

    async def _comment(
        self, row: ThreadComment, copied: CopiedFiles
    ) -> tuple[SlackComment, str | None]:
        author = await self._person(row.author_id)
        names: dict[str, str] = {}
        for user_id in mentioned_users(row.text)[:MAX_MENTION_LOOKUPS]:
            person = await self._person(user_id)
            if person is not None:
                names[user_id] = person.name
        comment = SlackComment(
            author=author.name if author else messages.THREAD_UNKNOWN_AUTHOR,
            text=to_plain(row.text, names),
            marker=marker(row.channel_id, row.message_ts),
            attached=copied.attached,
            left=copied.left,
            edited=row.version > 1,
        )
        return comment, author.email if author else None

    async def _person(self, user_id: str) -> Person | None:
        try:
            return await self._chat.author(user_id)
        except ChatError as exc:
            if isinstance(exc, TransientError):
                raise
            return None

    async def _later(self, row: ThreadComment, exc: TicketbotError) -> None:
        age = utcnow() - row.created_at
        if age >= timedelta(seconds=self._pipeline.give_up_after_s):
            await self._replies.give_up(row.id, f"still failing after {age}: {exc}")
            log.warning("thread reply %s: given up: %s", row.id, exc)
            return
        pipeline = self._pipeline
        backoff = min(pipeline.retry_max_s, pipeline.retry_base_s * 2**row.attempts)
        retry_after = exc.retry_after if isinstance(exc, TransientError) else None
        wait = max(backoff, min(retry_after or 0.0, pipeline.retry_max_s))
        await self._replies.retry_at(row.id, utcnow() + timedelta(seconds=wait), str(exc))
        log.warning("thread reply %s: copy failed (%s); again in %.0f s", row.id, exc, wait)

    async def _failed(self, ticket: Ticket, row: ThreadComment, error: str, text: str) -> None:
        await self._replies.give_up(row.id, error)
        log.warning("ticket %s: thread reply %s not copied: %s", ticket.id, row.message_ts, error)
        if row.state == DELETING:
            return
        thread = ticket.message_ts or ""
        try:
            await self._chat.tell_in_thread(
                row.channel_id, thread, row.author_id, text.format(key=ticket.jira_key)
            )
        except ChatError as exc:
            log.info("ticket %s: could not tell %s: %s", ticket.id, row.author_id, exc)


def _age_s(ts: str) -> float:
    """How long ago Slack stamped ``ts`` (seconds since the epoch); large when unreadable."""
    try:
        return max(time.time() - float(ts), 0.0)
    except ValueError:
        return POSTING_WAIT_S
