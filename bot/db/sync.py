"""The Jira change feed's state (``jira_sync_cursors``, ``jira_changes_seen``; migration 0009).

One row per polled project keeps the ``updated`` time processed so far and a lease: the
replica holding it polls that project; another takes over once it has not been renewed for
the lease's time (database clock, as ``bot.db.leases``). ``apply`` writes one page of changes
in one transaction, and only while the lease is still held: the change ids are inserted into
``jira_changes_seen`` (a conflict means it was already shown), the caller's plan turns the new
ones into outbox tasks and ticket values, and the cursor moves. So a change is shown once
across restarts and replicas, and a crash before the commit shows it on the next poll.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.clock import DatabaseClock
from bot.db.models import JiraChangeSeen, JiraSyncCursor, Ticket, TicketEvent, TicketTask
from bot.db.outbox import NewTask, add_in
from bot.db.store import Store
from bot.errors import LeaseLost
from bot.tickets import BOT_ACTOR, TicketState


@dataclass(frozen=True, slots=True)
class SyncItem:
    """One issue of a page: its ticket, the ids of its changes, and what the plan needs."""

    ticket_id: int
    keys: Sequence[str]
    change: Any


@dataclass(slots=True)
class TicketUpdate:
    """What one issue's new changes do: ticket values, outbox tasks, audit events."""

    values: dict[str, Any] = field(default_factory=dict)
    tasks: list[NewTask] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


Plan = Callable[[Ticket, Any, frozenset[str]], TicketUpdate]


class SyncStore(Store):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: DatabaseClock) -> None:
        super().__init__(sessions)
        self.clock = clock

    async def claim(self, project: str, owner: str, ttl: timedelta) -> tuple[bool, datetime | None]:
        """Take or renew the project's poll lease: (held, cursor). The first claim starts the
        cursor at the database's current time (what came before is not news)."""
        now = await self.clock.now()
        dialect_insert = await self._insert()
        async with self._write(f"claim the Jira poll of {project}") as session:
            await session.execute(
                dialect_insert(JiraSyncCursor)
                .values(project=project, cursor_at=now)
                .on_conflict_do_nothing()
            )
            free = (
                JiraSyncCursor.lease_owner.is_(None)
                | (JiraSyncCursor.lease_owner == owner)
                | (JiraSyncCursor.lease_expires_at <= now)
            )
            row = (
                await session.execute(
                    update(JiraSyncCursor)
                    .where(JiraSyncCursor.project == project, free)
                    .values(lease_owner=owner, lease_expires_at=now + ttl)
                    .returning(JiraSyncCursor.cursor_at)
                )
            ).first()
        return (row is not None), (row[0] if row is not None else None)

    async def release(self, project: str, owner: str) -> None:
        statement = (
            update(JiraSyncCursor)
            .where(JiraSyncCursor.project == project, JiraSyncCursor.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        async with self._write(f"release the Jira poll of {project}") as session:
            await session.execute(statement)

    async def apply(
        self,
        project: str,
        owner: str,
        ttl: timedelta,
        cursor_at: datetime | None,
        items: Sequence[SyncItem],
        plan: Plan,
    ) -> list[int]:
        """Record one page (see the module docstring); the tickets that got tasks.
        ``LeaseLost`` (nothing written) when ``owner`` no longer holds the project;
        ``cursor_at`` None leaves the cursor where it is."""
        now = await self.clock.now()
        dialect_insert = await self._insert()
        touched: list[int] = []
        async with self._write(f"record Jira changes of {project}") as session:
            moved = await session.execute(
                update(JiraSyncCursor)
                .where(
                    JiraSyncCursor.project == project,
                    JiraSyncCursor.lease_owner == owner,
                    JiraSyncCursor.lease_expires_at > now,
                )
                .values(
                    lease_expires_at=now + ttl,
                    **({} if cursor_at is None else {"cursor_at": cursor_at}),
                )
                .returning(JiraSyncCursor.project)
            )
            if moved.first() is None:
                raise LeaseLost(f"the Jira poll of {project} is no longer leased by {owner}")
            for item in items:
                ticket = await session.get(Ticket, item.ticket_id)
                if ticket is None:
                    continue
                new = await _new_keys(session, dialect_insert, item)
                change = plan(ticket, item.change, new)
                if change.values:
                    await session.execute(
                        update(Ticket).where(Ticket.id == ticket.id).values(**change.values)
                    )
                await add_in(session, change.tasks)
                session.add_all(
                    TicketEvent(ticket_id=ticket.id, actor=BOT_ACTOR, event=e, details=d)
                    for e, d in change.events
                )
                if change.tasks:
                    touched.append(ticket.id)
        return touched

    async def filed_in(self, project: str, before: datetime, skip_status: str) -> list[Ticket]:
        """Tickets whose issue is in ``project`` (by key), filed before ``before``, whose
        status is not ``skip_status`` (already found gone)."""
        statement = select(Ticket).where(
            Ticket.jira_key.like(f"{project}-%"),
            Ticket.message_ts.is_not(None),
            Ticket.created_at <= before,
            Ticket.jira_status.is_(None) | (Ticket.jira_status != skip_status),
        )
        async with self._read(f"read the tickets filed in {project}") as session:
            return list((await session.execute(statement)).scalars())

    async def waiting(self, limit: int = 50) -> list[Ticket]:
        """Tickets waiting for a decision, oldest first."""
        statement = (
            select(Ticket)
            .where(Ticket.state == TicketState.POSTED)
            .order_by(Ticket.id)
            .limit(limit)
        )
        async with self._read("read the tickets waiting for a decision") as session:
            return list((await session.execute(statement)).scalars())

    async def tickets(self, ids: Sequence[int]) -> dict[int, Ticket]:
        if not ids:
            return {}
        async with self._read("read tickets for Jira changes") as session:
            rows = await session.execute(select(Ticket).where(Ticket.id.in_(list(ids))))
            return {t.id: t for t in rows.scalars()}

    async def waiting_since(
        self, cutoff: datetime, task_key: str, limit: int = 200
    ) -> list[Ticket]:
        """Tickets still waiting for a decision, posted at or before ``cutoff``, without the
        task ``task_key`` (``{id}`` is the ticket id) enqueued yet; oldest first."""
        posted = (
            select(TicketEvent.ticket_id)
            .where(TicketEvent.event == TicketState.POSTED.value, TicketEvent.created_at <= cutoff)
            .scalar_subquery()
        )
        reminded = exists().where(
            and_(
                TicketTask.ticket_id == Ticket.id,
                TicketTask.key == _key_expression(task_key),
            )
        )
        statement = (
            select(Ticket)
            .where(Ticket.state == TicketState.POSTED, Ticket.id.in_(posted), ~reminded)
            .order_by(Ticket.id)
            .limit(limit)
        )
        async with self._read("look for tickets waiting for a decision") as session:
            return list((await session.execute(statement)).scalars())

    async def _insert(self) -> Any:
        async with self._read("read the database dialect") as session:
            dialect = session.get_bind().dialect.name
        return postgresql_insert if dialect == "postgresql" else sqlite_insert


async def _new_keys(session: AsyncSession, dialect_insert: Any, item: SyncItem) -> frozenset[str]:
    if not item.keys:
        return frozenset()
    rows = [{"key": key, "ticket_id": item.ticket_id} for key in item.keys]
    inserted = await session.execute(
        dialect_insert(JiraChangeSeen)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(JiraChangeSeen.key)
    )
    return frozenset(inserted.scalars())


def _key_expression(template: str) -> Any:
    """``template`` with ``{id}`` as the ticket's id, as a SQL expression."""
    before, _, after = template.partition("{id}")
    return literal(before) + cast(Ticket.id, String) + literal(after)
