"""Look up tickets for `/ticket_status`: one issue by key, or the caller's recent tickets.

Who may see what is ``bot.triage.visibility``'s rule. A refusal is the ``IssueNotFound`` a
missing key gets, raised before any Jira call. The tracker given here is the status lookups'
own (a small pool, ``status.jira_workers``), so a flood of lookups never delays filing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import IssueNotFound, TrackerError
from bot.tracker.keys import normalize_issue_key
from bot.tracker.models import IssueDetails
from bot.triage.ports import IssueTracker
from bot.triage.visibility import Visibility

log = logging.getLogger(__name__)

RECENT_LIMIT = 5


@dataclass(frozen=True, slots=True)
class RecentTicket:
    ticket: Ticket
    status: str | None  # Jira's status name, None when not filed yet or Jira did not answer


class StatusLookup:
    def __init__(
        self,
        tickets: TicketLog,
        tracker: IssueTracker,
        visibility: Visibility,
        *,
        any_issue: bool = False,
    ) -> None:
        self._tickets = tickets
        self._tracker = tracker
        self._visibility = visibility
        self._any_issue = any_issue

    async def issue(self, text: str, user_id: str) -> IssueDetails:
        """Details of the issue ``text`` names, if ``user_id`` may see it.

        InvalidIssueKey before any call if ``text`` names no key; IssueNotFound, without a Jira
        call, for a key the bot did not file (unless ``any_issue``) or a ticket the rule hides.
        """
        key = normalize_issue_key(text)
        ticket = await self._tickets.get_by_jira_key(key)
        if ticket is None and not self._any_issue:
            raise IssueNotFound(key)
        if ticket is not None and not await self._visibility.may_see(user_id, ticket):
            log.info("status of %s (ticket %s) not shown to %s", key, ticket.id, user_id)
            raise IssueNotFound(key)
        details = await self._tracker.get_issue(key)
        if ticket is not None and not self._visibility.in_project(details.key):
            raise IssueNotFound(key)  # moved to another project since it was filed
        return details

    async def recent(self, requester_id: str) -> Sequence[RecentTicket]:
        """The caller's own tickets (the requester always sees them), newest first."""
        tickets = await self._tickets.recent_for_requester(requester_id, RECENT_LIMIT)
        statuses = await asyncio.gather(*(self._status(t) for t in tickets))
        return [RecentTicket(t, s) for t, s in zip(tickets, statuses, strict=True)]

    async def _status(self, ticket: Ticket) -> str | None:
        if ticket.jira_key is None or not self._visibility.filed_here(ticket):
            return None
        try:
            return (await self._tracker.get_issue(ticket.jira_key)).status
        except TrackerError as exc:
            log.info("ticket %s: no status for %s: %s", ticket.id, ticket.jira_key, exc)
            return None
