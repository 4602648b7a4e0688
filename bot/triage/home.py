"""App Home: what one person sees on the bot's Home tab, and when it is published again.

- **Your tickets**: the person's own recent tickets as requester, with Jira's status, a link
  and their age. The status is the one the Jira change feed keeps in the ticket log
  (``tickets.jira_status``); only when some ticket has none yet is Jira asked (the
  ``/ticket_status`` lookup, on its own small pool), so opening Home usually costs Jira nothing.
- **Waiting for your decision** (approvers only): posted tickets not yet decided, oldest
  first, minus their own unless self-approval is allowed, with the same Approve / Reject
  buttons as the ticket message. A click there is checked like one on the ticket message
  (``bot.triage.refusals``) and updates the ticket message and the ledger the same way.

A user sees nothing else: their own tickets, and (approvers) the ones waiting for them.
Published when the tab is opened, and after a decision for the decider, the requester and the
approvers who have opened it since the bot started (``refresh_ticket``; the Jira change feed
may call it too). Publishing never raises: a failure is logged, the next open shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot import messages
from bot.db.home_reads import HomeReads
from bot.db.models import Ticket
from bot.errors import ChatError, TicketbotError
from bot.settings import ApprovalSettings
from bot.triage.ports import HomeContent, HomeScreen, HomeTicket
from bot.triage.refusals import approver_refusal
from bot.triage.routing import Router, approvals_for
from bot.triage.status import RECENT_LIMIT, StatusLookup

log = logging.getLogger(__name__)
WAITING_LIMIT = 20


class HomeTab:
    def __init__(
        self,
        status: StatusLookup,
        reads: HomeReads,
        approvals: ApprovalSettings,
        screen: HomeScreen,
        router: Router | None = None,
    ) -> None:
        self._status = status
        self._reads = reads
        self._approvals = approvals
        self._screen = screen
        self._router = router  # per-channel approvers (bot.triage.routing)
        self._seen: set[str] = set()

    def is_approver(self, user_id: str) -> bool:
        """An approver anywhere: globally, or in some channel's route."""
        if user_id in self._approvals.approvers:
            return True
        routes = self._router.routes() if self._router is not None else []
        return any(user_id in route.approvers for route in routes)

    async def content(self, user_id: str, notice: str | None = None) -> HomeContent:
        mine = await self._mine(user_id)
        waiting: list[Ticket] | None = None
        if self.is_approver(user_id):
            tickets, _ = await self._reads.awaiting_decision(WAITING_LIMIT)
            waiting = [t for t in tickets if await self._may_decide(t, user_id)]
        return HomeContent(user_id, mine, waiting, notice)

    async def _mine(self, user_id: str) -> list[HomeTicket]:
        tickets = await self._reads.mine(user_id, RECENT_LIMIT)
        if all(t.jira_status or not t.jira_key for t in tickets):
            return [HomeTicket(t, t.jira_status) for t in tickets]
        return [HomeTicket(item.ticket, item.status) for item in await self._status.recent(user_id)]

    async def opened(self, user_id: str) -> None:
        """The person opened the Home tab."""
        self._seen.add(user_id)
        await self.refresh(user_id)

    async def refresh(self, user_id: str, notice: str | None = None) -> None:
        """Publish the person's Home tab as it now stands; never raises."""
        try:
            await self._screen.publish(await self.content(user_id, notice))
        except TicketbotError as exc:
            log.warning("home of %s not published: %s", user_id, exc)
        except Exception:
            log.exception("home of %s not published", user_id)

    async def after_decision(
        self, ticket: Ticket | None, decider: str, refusal: str | None, *, from_home: bool
    ) -> None:
        """After a click on Approve / Reject (``refusal``: why it did not count). A click in
        App Home gets its answer there, at the top of the view."""
        if ticket is not None and refusal is None:
            others = [ticket.requester_id, *self._seen_approvers()]
            await self.refresh_all(u for u in others if u != decider)
        if from_home:
            decided = ticket is not None and refusal is None and ticket.decision is not None
            notice = refusal
            if decided and ticket is not None and ticket.decision is not None:
                key = ticket.jira_key or f"#{ticket.id}"
                notice = messages.HOME_DECIDED.format(key=key, decision=ticket.decision.value)
            await self.refresh(decider, notice)
        elif decider in self._seen:
            await self.refresh(decider)

    async def refresh_ticket(self, ticket: Ticket, *also: str) -> None:
        """After a change to ``ticket``: its requester, ``also``, and the approvers who have
        looked at their Home tab."""
        await self.refresh_all([ticket.requester_id, *also, *self._seen_approvers()])

    async def changed(self, requester_ids: Iterable[str]) -> None:
        """After tickets changed without a click (posted, or changed in Jira): the Home tabs
        of their requesters and of the approvers, only for people who have opened theirs."""
        wanted = [*requester_ids, *self._seen_approvers()]
        await self.refresh_all(u for u in wanted if u in self._seen)

    async def ticket_ran(self, ticket_id: int) -> None:
        """After the pipeline moved a ticket (posted it, say); never raises."""
        if not self._seen:
            return
        try:
            requester = await self._reads.requester_of(ticket_id)
        except TicketbotError:
            return  # the tabs catch up at the next open or change
        await self.changed([requester] if requester else [])

    async def refresh_all(self, user_ids: Iterable[str]) -> None:
        unique = list(dict.fromkeys(u for u in user_ids if u))
        await asyncio.gather(*(self.refresh(user_id) for user_id in unique))

    def _seen_approvers(self) -> list[str]:
        return sorted(u for u in self._seen if self.is_approver(u))

    async def _may_decide(self, ticket: Ticket, user_id: str) -> bool:
        """The rule a click would meet (``Decider``); a route that cannot be known hides it."""
        try:
            approvals = await approvals_for(self._router, self._approvals, ticket)
        except ChatError as exc:
            log.info("ticket %s not listed for %s: %s", ticket.id, user_id, exc)
            return False
        return approver_refusal(approvals, ticket, user_id, None) is None
