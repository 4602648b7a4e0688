"""The ticket log's queries: one ticket, listings, the audit trail, unfinished work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.clock import DatabaseClock
from bot.db.models import Ticket, TicketEvent
from bot.db.store import Store
from bot.tickets import ACTIVE_STATES, TicketState


class TicketReads(Store):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: DatabaseClock | None = None
    ) -> None:
        super().__init__(sessions)
        #: The database's time: retry times and leases are compared against it.
        self.clock = clock or DatabaseClock(sessions)

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._read("read a ticket") as session:
            return await session.get(Ticket, ticket_id)

    async def get_by_jira_key(self, jira_key: str) -> Ticket | None:
        return await self._one(select(Ticket).where(Ticket.jira_key == jira_key))

    async def get_by_message(self, channel_id: str, ts: str) -> Ticket | None:
        return await self._one(
            select(Ticket).where(Ticket.message_channel_id == channel_id, Ticket.message_ts == ts)
        )

    async def get_by_source(self, channel_id: str, ts: str) -> Ticket | None:
        """The ticket filed from that Slack message (shortcut, reaction), if any."""
        return await self._one(
            select(Ticket).where(Ticket.source_channel_id == channel_id, Ticket.source_ts == ts)
        )

    async def listing(
        self,
        state: TicketState | None = None,
        limit: int = 50,
        *,
        requester_id: str | None = None,
        since: datetime | None = None,
        jira_key: str | None = None,
    ) -> Sequence[Ticket]:
        """The newest tickets first, only those matching every filter given."""
        statement = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if state is not None:
            statement = statement.where(Ticket.state == state)
        if requester_id is not None:
            statement = statement.where(Ticket.requester_id == requester_id)
        if since is not None:
            statement = statement.where(Ticket.created_at >= since)
        if jira_key is not None:
            statement = statement.where(Ticket.jira_key == jira_key)
        async with self._read("list tickets") as session:
            return (await session.execute(statement)).scalars().all()

    async def count_by_state(self) -> dict[str, int]:
        """How many tickets are in each state (one GROUP BY; the metrics read it per scrape)."""
        statement = select(Ticket.state, func.count()).group_by(Ticket.state)
        async with self._read("count tickets") as session:
            rows = (await session.execute(statement)).all()
        return {TicketState(state).value: int(count) for state, count in rows}

    async def events(self, ticket_id: int) -> Sequence[TicketEvent]:
        statement = (
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
        async with self._read("read the audit trail") as session:
            return (await session.execute(statement)).scalars().all()

    async def recent_for_requester(self, requester_id: str, limit: int = 5) -> Sequence[Ticket]:
        statement = (
            select(Ticket)
            .where(Ticket.requester_id == requester_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        async with self._read("read recent tickets") as session:
            return (await session.execute(statement)).scalars().all()

    async def unfinished(self, now: datetime | None = None, limit: int = 100) -> Sequence[Ticket]:
        """Tickets left mid-way (received, classified, filed) whose retry time has come."""
        now = now or await self.clock.now()
        statement = (
            select(Ticket)
            .where(Ticket.state.in_(ACTIVE_STATES))
            .where((Ticket.next_attempt_at.is_(None)) | (Ticket.next_attempt_at <= now))
            .where((Ticket.lease_owner.is_(None)) | (Ticket.lease_expires_at <= now))
            .order_by(Ticket.id)
            .limit(limit)
        )
        async with self._read("look for unfinished tickets") as session:
            return (await session.execute(statement)).scalars().all()

    async def _one(self, statement: Select[Ticket]) -> Ticket | None:
        async with self._read("find a ticket") as session:
            return (await session.execute(statement)).scalar_one_or_none()
