"""The Jira project each ticket is filed in (``tickets.jira_project``, migration 0006).

Pinned once, before the first create is sent, by whichever worker gets there first: later
attempts, a replica taking the ticket over, the reconciliation after a lost create, the
approvals and the status lookups all use the pinned project, even if ``routing`` changed in
between. No lease is needed: the write only fills an empty column, so every writer ends up
with the same value.
"""

from __future__ import annotations

from sqlalchemy import select, update

from bot.db.models import Ticket
from bot.db.store import Store


class ProjectPins(Store):
    async def pin(self, ticket_id: int, project: str) -> str:
        """The ticket's project: ``project`` unless one was pinned before."""
        async with self._write("pin a ticket's Jira project") as session:
            await session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.jira_project.is_(None))
                .values(jira_project=project)
            )
            pinned = await session.scalar(select(Ticket.jira_project).where(Ticket.id == ticket_id))
        return pinned or project
