"""The ticket log with its confirmed examples beside it (same database, same sessions)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.examples import ExampleStore
from bot.db.tickets import TicketLog


class LearningTicketLog(TicketLog):
    """A ``TicketLog`` whose ``examples`` store receives confirmed and corrected labels."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self.examples = ExampleStore(sessions)


def examples_of(tickets: TicketLog) -> ExampleStore | None:
    return tickets.examples if isinstance(tickets, LearningTicketLog) else None
