"""Approve or reject a ticket: who may decide, first decision wins, then Slack and Jira show it.

Who may decide comes only from settings (``APPROVERS``) and the ticket log, never from
anything in the click payload other than the clicking user's id, which Slack vouches for.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import messages
from bot.db.examples import ExampleStore, NewExample
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import TicketbotError
from bot.labels import parse_label
from bot.settings import Settings
from bot.tickets import Decision
from bot.triage.ports import Chat, IssueTracker
from bot.triage.refusals import Refusal, approver_refusal

__all__ = ["Decider", "DecisionResult", "Refusal"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecisionResult:
    ticket: Ticket | None
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


class Decider:
    def __init__(
        self,
        tickets: TicketLog,
        tracker: IssueTracker,
        chat: Chat,
        settings: Settings,
        examples: ExampleStore,
    ) -> None:
        self._tickets = tickets
        self._tracker = tracker
        self._chat = chat
        self._approvals = settings.approvals
        self._transitions = settings.jira.transitions
        self._examples = examples

    async def decide(self, ticket_id: int, decision: Decision, user_id: str) -> DecisionResult:
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            return DecisionResult(None, Refusal.UNKNOWN_TICKET)
        refusal = self._refusal(ticket, user_id)
        if refusal is not None:
            await self._tickets.add_event(
                ticket.id,
                user_id,
                "decision_refused",
                {"decision": decision.value, "reason": refusal.value},
            )
            log.info(
                "ticket %s: %s refused for %s (%s)",
                ticket.id,
                decision.value,
                user_id,
                refusal.value,
            )
            return DecisionResult(ticket, refusal)
        outcome = await self._tickets.decide(ticket.id, decision, user_id)
        if not outcome.won:
            late = Refusal.ALREADY_DECIDED if outcome.ticket.decision else Refusal.NOT_READY
            return DecisionResult(outcome.ticket, late)
        if decision is Decision.APPROVED:
            await self._confirm(outcome.ticket)
        await self._publish(outcome.ticket, decision, user_id)
        return DecisionResult(outcome.ticket)

    def _refusal(self, ticket: Ticket, user_id: str) -> Refusal | None:
        return approver_refusal(self._approvals, ticket, user_id)

    async def _confirm(self, ticket: Ticket) -> None:
        """An approval confirms the ticket's label: a training example (a rejection is not)."""
        label = parse_label(ticket.label or "")
        if label is None:
            return
        example = NewExample(ticket.text, label, "approval", f"ticket:{ticket.id}", ticket.id,
                             ticket.model_probabilities)
        try:
            await self._examples.add(example)
        except TicketbotError as exc:
            log.warning("ticket %s: label not kept as an example: %s", ticket.id, exc)

    async def _publish(self, ticket: Ticket, decision: Decision, user_id: str) -> None:
        """Show the decision in Slack and Jira; a failure here is logged, never undoes it."""
        steps: tuple[tuple[str, Callable[[], Awaitable[None]]], ...] = (
            ("update the message", lambda: self._chat.show_decision(ticket)),
            (
                "tell the requester",
                lambda: self._chat.reply_in_thread(
                    ticket,
                    messages.DECISION_THREAD_REPLY[decision].format(
                        requester=ticket.requester_id, user=user_id, key=ticket.jira_key
                    ),
                ),
            ),
            ("comment in Jira", lambda: self._comment(ticket, decision, user_id)),
        )
        for what, step in steps:
            try:
                await step()
            except TicketbotError as exc:
                log.warning(
                    "ticket %s: could not %s after %s: %s", ticket.id, what, decision.value, exc
                )
                await self._tickets.add_event(
                    ticket.id,
                    "ticketbot",
                    "publish_failed",
                    {"step": what, "error": str(exc)[:300]},
                )

    async def _comment(self, ticket: Ticket, decision: Decision, user_id: str) -> None:
        if ticket.jira_key is None:
            return
        name = ticket.requester_name if user_id == ticket.requester_id else user_id
        await self._tracker.add_comment(
            ticket.jira_key, messages.JIRA_DECISION_COMMENT[decision].format(user=name)
        )
        transition = self._transitions.get("approve" if decision is Decision.APPROVED else "reject")
        if transition:
            reached = await self._tracker.transition(ticket.jira_key, transition)
            await self._tickets.add_event(
                ticket.id,
                "ticketbot",
                "transitioned",
                {"transition": transition, "status": reached},
            )
