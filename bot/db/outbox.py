"""Side effects still owed to Slack and Jira after a decision or a correction (``ticket_tasks``).

Tasks are written in the transaction that records the decision (``add_in``), so a decision is
never recorded without them. The publisher (``bot.triage.publisher``) runs due tasks; claiming
one is a compare-and-set on its ``next_attempt_at``, so of two replicas only one runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import TicketTask, utcnow
from bot.db.store import Store

log = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
CLAIM_FOR = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class NewTask:
    """``key`` is unique: enqueueing the same task twice adds nothing."""

    ticket_id: int
    key: str
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


async def add_in(session: AsyncSession, tasks: Sequence[NewTask]) -> None:
    """Enqueue ``tasks`` inside the caller's transaction."""
    if not tasks:
        return
    now = utcnow()
    rows = [
        {
            "ticket_id": task.ticket_id,
            "key": task.key,
            "kind": task.kind,
            "payload": dict(task.payload),
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": None,
            "created_at": now,
        }
        for task in tasks
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(TicketTask).values(rows).on_conflict_do_nothing())


class Outbox(Store):
    async def add(self, tasks: Sequence[NewTask]) -> None:
        async with self._write("enqueue ticket tasks") as session:
            await add_in(session, tasks)

    async def due_tickets(self, limit: int = 50) -> list[int]:
        """Tickets with a pending task whose time has come, oldest first."""
        statement = (
            select(TicketTask.ticket_id)
            .where(TicketTask.state == PENDING, _due(utcnow()))
            .group_by(TicketTask.ticket_id)
            .order_by(TicketTask.ticket_id)
            .limit(limit)
        )
        async with self._read("look for due ticket tasks") as session:
            return list((await session.execute(statement)).scalars())

    async def pending(self, ticket_id: int) -> Sequence[TicketTask]:
        """The ticket's pending tasks in the order they were enqueued."""
        statement = (
            select(TicketTask)
            .where(TicketTask.ticket_id == ticket_id, TicketTask.state == PENDING)
            .order_by(TicketTask.id)
        )
        async with self._read("read ticket tasks") as session:
            return (await session.execute(statement)).scalars().all()

    async def tasks(self, ticket_id: int) -> Sequence[TicketTask]:
        statement = select(TicketTask).where(TicketTask.ticket_id == ticket_id)
        async with self._read("read ticket tasks") as session:
            return (await session.execute(statement.order_by(TicketTask.id))).scalars().all()

    async def claim(self, task: TicketTask, now: datetime | None = None) -> bool:
        """Take the task if it is still pending, due, and unclaimed since it was read."""
        now = now or utcnow()
        if task.next_attempt_at is not None and task.next_attempt_at > now:
            return False
        same = (
            TicketTask.next_attempt_at.is_(None)
            if task.next_attempt_at is None
            else TicketTask.next_attempt_at == task.next_attempt_at
        )
        statement = (
            update(TicketTask)
            .where(TicketTask.id == task.id, TicketTask.state == PENDING, same)
            .values(next_attempt_at=now + CLAIM_FOR)
            .returning(TicketTask.id)
        )
        async with self._write(f"claim ticket task {task.id}") as session:
            return (await session.execute(statement)).first() is not None

    async def done(self, task_id: int) -> None:
        await self._finish(task_id, {"state": DONE, "done_at": utcnow(), "last_error": None})

    async def retry_at(self, task_id: int, when: datetime, error: str) -> None:
        values = {
            "attempts": TicketTask.attempts + 1,
            "next_attempt_at": when,
            "last_error": error[:500],
        }
        await self._finish(task_id, values)

    async def give_up(self, task_id: int, error: str) -> None:
        values = {"state": FAILED, "attempts": TicketTask.attempts + 1, "last_error": error[:500]}
        await self._finish(task_id, values)

    async def _finish(self, task_id: int, values: dict[str, Any]) -> None:
        statement = update(TicketTask).where(TicketTask.id == task_id).values(**values)
        async with self._write(f"update ticket task {task_id}") as session:
            await session.execute(statement)


def _due(now: datetime) -> Any:
    return TicketTask.next_attempt_at.is_(None) | (TicketTask.next_attempt_at <= now)
