"""Look up tickets for `/ticket_status`: one issue by key, or the caller's recent tickets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import TrackerError
from bot.tracker.keys import normalize_issue_key
from bot.tracker.models import IssueDetails
from bot.triage.ports import IssueTracker

log = logging.getLogger(__name__)

RECENT_LIMIT = 5


@dataclass(frozen=True, slots=True)
class RecentTicket:
    ticket: Ticket
    status: str | None  # Jira's status name, None when not filed yet or Jira did not answer


class StatusLookup:
    def __init__(self, tickets: TicketLog, tracker: IssueTracker) -> None:
        self._tickets = tickets
        self._tracker = tracker

    async def issue(self, text: str) -> IssueDetails:
        """Details of the issue ``text`` names; InvalidIssueKey before any call if it names none."""
        return await self._tracker.get_issue(normalize_issue_key(text))

    async def recent(self, requester_id: str) -> Sequence[RecentTicket]:
        tickets = await self._tickets.recent_for_requester(requester_id, RECENT_LIMIT)
        statuses = await asyncio.gather(*(self._status(t) for t in tickets))
        return [RecentTicket(t, s) for t, s in zip(tickets, statuses, strict=True)]

    async def _status(self, ticket: Ticket) -> str | None:
        if ticket.jira_key is None:
            return None
        try:
            return (await self._tracker.get_issue(ticket.jira_key)).status
        except TrackerError as exc:
            log.info("ticket %s: no status for %s: %s", ticket.id, ticket.jira_key, exc)
            return None
