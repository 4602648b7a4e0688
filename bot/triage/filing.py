"""Create each ticket's Jira issue once, although Jira's search lags behind its creates.

After a create that may have reached Jira (a lost response, a crash before the key was
saved), the issue is looked for by its label. Jira Cloud documents that search may not show
a new issue for "a few seconds to minutes", so "not found" is only believed once the last
create attempt is older than ``search_lag``: until then the ticket waits (``ReconcilePending``,
retried by the pipeline) instead of creating a second issue. Residual risk: a search lag
longer than ``search_lag`` (``jira.search_lag_s``, default 180 s) still yields a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import messages
from bot.db.installation import InstallationIdentity
from bot.db.models import Ticket
from bot.db.routes import ProjectPins
from bot.errors import ReconcilePending, TicketbotError
from bot.labels import parse_label
from bot.tracker.models import IssueRef, NewIssue
from bot.triage.ports import IssueTracker, Person
from bot.triage.routing import Router

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filing:
    """Who we are in Jira's labels, and how long Jira's search may lag behind a create."""

    installation: InstallationIdentity
    search_lag: timedelta
    router: Router | None = None  # None: every ticket files as the global settings say
    pins: ProjectPins | None = None
    notify: Callable[[Ticket, str], Awaitable[None]] | None = None  # Chat.tell_requester

    async def create(self, tracker: IssueTracker, ticket: Ticket, new: NewIssue) -> IssueRef:
        """``tracker.create_issue``; a ticket filed otherwise than asked (the default type, as
        ``bot.tracker.screens`` decides) tells the requester why, best effort."""
        ref = await tracker.create_issue(new)
        if ref.note and self.notify is not None:
            text = messages.FILED_OTHERWISE.format(key=ref.key, note=ref.note)
            try:
                await self.notify(ticket, text)
            except TicketbotError as exc:
                log.warning("ticket %s: the note on %s was not told: %s", ticket.id, ref.key, exc)
        return ref

    async def routed_issue(self, ticket: Ticket, requester: Person) -> NewIssue:
        """``new_issue`` in the ticket's route (``bot.triage.routing``), its project pinned."""
        new = self.new_issue(ticket, requester)
        if self.router is None:
            return new
        route = await self.router.for_channel(ticket.slack_channel_id)
        project = ticket.jira_project
        if project is None:
            # A create started before migration 0006 went to the global project.
            started = ticket.jira_create_started_at is not None
            project = self.router.default.project_key if started else route.project_key
            if self.pins is not None:
                project = await self.pins.pin(ticket.id, project)
        return route.apply(new, project, ticket.jira_fields or {})

    def new_issue(self, ticket: Ticket, requester: Person) -> NewIssue:
        return NewIssue(
            ticket_id=ticket.id,
            text=ticket.text,
            label=parse_label(ticket.label or "") or "Task",
            requester_name=requester.name,
            requester_email=requester.email,
            installation=self.installation.id,
            summary=ticket.summary_override,
            legacy_label=self.installation.uses_legacy_label(ticket.id),
            requested_at=ticket.created_at,
            permalink=ticket.source_permalink,  # filed from a Slack message: link back
        )

    async def earlier_issue(
        self, tracker: IssueTracker, new: NewIssue, attempt_started: datetime, now: datetime
    ) -> IssueRef | None:
        """The issue an earlier attempt created, or None once it is safe to create one.

        ``attempt_started`` and ``now`` come from the database's clock. Raises
        ReconcilePending while Jira's search may still be hiding the issue.
        """
        found = await tracker.find_filed(new)
        if found is not None:
            log.info("ticket %s: adopting %s, filed earlier", new.ticket_id, found.key)
            return found
        waited = now - attempt_started
        if waited < self.search_lag:
            wait = (self.search_lag - waited).total_seconds()
            log.info(
                "ticket %s: no issue visible after an unfinished create; looking again in %.0f s",
                new.ticket_id,
                wait,
            )
            raise ReconcilePending(f"waiting {wait:.0f} s for Jira's search", retry_after=wait)
        log.warning(
            "ticket %s: no issue found %.0f s after the unfinished create; creating it",
            new.ticket_id,
            waited.total_seconds(),
        )
        return None
