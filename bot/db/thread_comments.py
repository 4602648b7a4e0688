"""The replies in tickets' Slack threads that are copied to Jira (``thread_comments``).

``record`` adds a reply once (unique on channel + ts: a redelivered event adds nothing);
``edit`` and ``delete`` mark it owed again. ``claim`` is a compare-and-set on
``next_attempt_at`` (as in ``bot.db.outbox``), so of two replicas only one works on a reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.models import ThreadComment, Ticket, utcnow
from bot.db.store import Store
from bot.tickets import SourceFile, TicketState

PENDING, DELETING, DONE, DELETED, FAILED = "pending", "deleting", "done", "deleted", "failed"
OWED = (PENDING, DELETING)
CLAIM_FOR = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class NewReply:
    ticket_id: int
    channel_id: str
    message_ts: str
    author_id: str
    text: str
    files: tuple[SourceFile, ...] = ()


def file_rows(files: Sequence[SourceFile]) -> list[dict[str, Any]]:
    return [{"id": f.id, "name": f.name, "size": f.size} for f in files]


def row_files(row: ThreadComment) -> tuple[SourceFile, ...]:
    """The files of a stored reply (older rows may hold bare names: nothing to download)."""
    return tuple(
        SourceFile(str(f["id"]), str(f["name"]), int(f.get("size") or 0))
        for f in row.files or []
        if isinstance(f, dict) and f.get("id")
    )


class ThreadComments(Store):
    async def record(self, reply: NewReply) -> int | None:
        """Store the reply; its row id, or None when it was already stored."""
        values = {
            "ticket_id": reply.ticket_id,
            "channel_id": reply.channel_id,
            "message_ts": reply.message_ts,
            "author_id": reply.author_id,
            "text": reply.text,
            "files": file_rows(reply.files),
            "state": PENDING,
            "version": 1,
            "synced_version": 0,
            "attempts": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        async with self._write("record a thread reply") as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(ThreadComment).values(values).on_conflict_do_nothing()
            result = await session.execute(statement.returning(ThreadComment.id))
            row = result.first()
        return None if row is None else int(row[0])

    async def edit(
        self, channel_id: str, message_ts: str, text: str, files: Sequence[SourceFile]
    ) -> int | None:
        """The reply was edited in Slack: owe Jira the new text (unless it was deleted)."""
        values = {
            "text": text,
            "files": file_rows(files),
            "version": ThreadComment.version + 1,
            "state": PENDING,
            "next_attempt_at": None,
            "attempts": 0,
        }
        return await self._change(channel_id, message_ts, (PENDING, DONE), values, "edit")

    async def delete(self, channel_id: str, message_ts: str) -> int | None:
        """The reply was deleted in Slack: owe Jira the comment's removal."""
        values = {"state": DELETING, "next_attempt_at": None, "attempts": 0, "text": ""}
        return await self._change(channel_id, message_ts, (PENDING, DONE), values, "delete")

    async def _change(
        self,
        channel_id: str,
        message_ts: str,
        states: Sequence[str],
        values: dict[str, Any],
        what: str,
    ) -> int | None:
        statement = (
            update(ThreadComment)
            .where(
                ThreadComment.channel_id == channel_id,
                ThreadComment.message_ts == message_ts,
                ThreadComment.state.in_(states),
            )
            .values(**values, updated_at=utcnow())
            .returning(ThreadComment.id)
        )
        async with self._write(f"{what} a thread reply") as session:
            row = (await session.execute(statement)).first()
        return None if row is None else int(row[0])

    async def posting(self, channel_id: str) -> bool:
        """Whether a ticket message is being posted in ``channel_id`` right now (its ts not
        recorded yet); in a DM (``D…``, where a ticket may go when the bot cannot post in its
        channel), whether any is."""
        statement = (
            select(Ticket.id)
            .where(Ticket.state == TicketState.FILED, Ticket.slack_post_started_at.is_not(None))
            .limit(1)
        )
        if not channel_id.startswith("D"):
            statement = statement.where(Ticket.slack_channel_id == channel_id)
        async with self._read("look for ticket messages being posted") as session:
            return (await session.execute(statement)).first() is not None

    async def get(self, row_id: int) -> ThreadComment | None:
        async with self._read("read a thread reply") as session:
            return await session.get(ThreadComment, row_id)

    async def for_message(self, channel_id: str, message_ts: str) -> ThreadComment | None:
        statement = select(ThreadComment).where(
            ThreadComment.channel_id == channel_id, ThreadComment.message_ts == message_ts
        )
        async with self._read("read a thread reply") as session:
            return (await session.execute(statement)).scalar_one_or_none()

    async def of_ticket(self, ticket_id: int) -> Sequence[ThreadComment]:
        statement = (
            select(ThreadComment)
            .where(ThreadComment.ticket_id == ticket_id)
            .order_by(ThreadComment.id)
        )
        async with self._read("read thread replies") as session:
            return (await session.execute(statement)).scalars().all()

    async def due(self, limit: int = 50) -> list[int]:
        """Replies still owed to Jira whose time has come, oldest first."""
        now = utcnow()
        statement = (
            select(ThreadComment.id)
            .where(ThreadComment.state.in_(OWED))
            .where(ThreadComment.next_attempt_at.is_(None) | (ThreadComment.next_attempt_at <= now))
            .order_by(ThreadComment.id)
            .limit(limit)
        )
        async with self._read("look for thread replies to copy") as session:
            return list((await session.execute(statement)).scalars())

    async def claim(self, row: ThreadComment) -> bool:
        """Take the reply if it is still owed, due, and unclaimed since it was read."""
        now = utcnow()
        if row.state not in OWED or (row.next_attempt_at is not None and row.next_attempt_at > now):
            return False
        same = (
            ThreadComment.next_attempt_at.is_(None)
            if row.next_attempt_at is None
            else ThreadComment.next_attempt_at == row.next_attempt_at
        )
        statement = (
            update(ThreadComment)
            .where(
                ThreadComment.id == row.id,
                ThreadComment.state.in_(OWED),
                ThreadComment.version == row.version,
                same,
            )
            .values(next_attempt_at=now + CLAIM_FOR)
            .returning(ThreadComment.id)
        )
        async with self._write(f"claim thread reply {row.id}") as session:
            return (await session.execute(statement)).first() is not None

    async def mark_started(self, row_id: int) -> None:
        """A post is about to be sent: a later attempt looks for it before posting again."""
        await self._set(row_id, post_started_at=utcnow())

    async def synced(self, row: ThreadComment, comment_id: str | None) -> None:
        """Jira shows ``row`` as read (its version, or its deletion)."""
        done = DELETED if row.state == DELETING else DONE
        async with self._write(f"finish thread reply {row.id}") as session:
            await session.execute(
                update(ThreadComment)
                .where(ThreadComment.id == row.id)
                .values(
                    jira_comment_id=comment_id,
                    synced_version=row.version,
                    last_error=None,
                    updated_at=utcnow(),
                )
            )
            await session.execute(
                update(ThreadComment)
                .where(
                    ThreadComment.id == row.id,
                    ThreadComment.version == row.version,
                    ThreadComment.state == row.state,
                )
                .values(state=done, next_attempt_at=None)
            )

    async def retry_at(self, row_id: int, when: datetime, error: str) -> None:
        await self._set(
            row_id,
            attempts=ThreadComment.attempts + 1,
            next_attempt_at=when,
            last_error=error[:500],
        )

    async def give_up(self, row_id: int, error: str) -> None:
        await self._set(
            row_id, state=FAILED, attempts=ThreadComment.attempts + 1, last_error=error[:500]
        )

    async def _set(self, row_id: int, **values: Any) -> None:
        statement = (
            update(ThreadComment)
            .where(ThreadComment.id == row_id)
            .values(**values, updated_at=utcnow())
        )
        async with self._write(f"update thread reply {row_id}") as session:
            await session.execute(statement)
