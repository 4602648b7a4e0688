"""The queries App Home needs (``bot.triage.home``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from bot.db.models import Ticket
from bot.db.store import Store
from bot.tickets import TicketState


class HomeReads(Store):
    async def mine(self, requester_id: str, limit: int) -> Sequence[Ticket]:
        """The requester's newest tickets."""
        statement = (
            select(Ticket)
            .where(Ticket.requester_id == requester_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        async with self._read("list a requester's tickets") as session:
            return (await session.execute(statement)).scalars().all()

    async def awaiting_decision(self, limit: int = 20) -> tuple[Sequence[Ticket], int]:
        """Posted tickets nobody has decided yet, oldest first (at most ``limit``), and how
        many there are in all."""
        waiting = (
            Ticket.state == TicketState.POSTED,
            Ticket.decision.is_(None),
            Ticket.message_ts.is_not(None),
        )
        rows = select(Ticket).where(*waiting).order_by(Ticket.id).limit(limit)
        count = select(func.count()).select_from(Ticket).where(*waiting)
        async with self._read("list tickets waiting for a decision") as session:
            tickets = (await session.execute(rows)).scalars().all()
            total = int((await session.execute(count)).scalar_one())
        return tickets, total

    async def requester_of(self, ticket_id: int) -> str | None:
        statement = select(Ticket.requester_id).where(Ticket.id == ticket_id)
        async with self._read("read a ticket's requester") as session:
            return (await session.execute(statement)).scalar_one_or_none()
