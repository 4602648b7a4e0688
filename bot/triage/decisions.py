"""Approve or reject a ticket: who may decide, first decision wins, then Slack and Jira show it
(through the publisher, which keeps trying through outages).

Who may decide comes only from settings (``APPROVERS``) and the ticket log, never from
anything in the click payload other than the clicking user's id, which Slack vouches for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.db.examples import ExampleStore, NewExample
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import TicketbotError
from bot.labels import parse_label
from bot.settings import Settings
from bot.tickets import Decision, MessageRef
from bot.triage.publisher import Publisher, decision_tasks
from bot.triage.refusals import Refusal, approver_refusal
from bot.triage.routing import Router, approvals_for

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
        publisher: Publisher,
        settings: Settings,
        examples: ExampleStore,
        router: Router | None = None,
    ) -> None:
        self._tickets = tickets
        self._publisher = publisher
        self._approvals = settings.approvals
        self._transitions = settings.jira.transitions
        self._examples = examples
        self._router = router  # per-channel approvers (bot.triage.routing)

    async def decide(
        self, ticket_id: int, decision: Decision, user_id: str, where: MessageRef | None
    ) -> DecisionResult:
        """``where``: the ticket message clicked, or None for the clicker's App Home."""
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            return DecisionResult(None, Refusal.UNKNOWN_TICKET)
        refusal = await self._refusal(ticket, user_id, where)
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
        transition = self._transitions.get("approve" if decision is Decision.APPROVED else "reject")
        tasks = decision_tasks(ticket, decision, user_id, transition)
        outcome = await self._tickets.decide(ticket.id, decision, user_id, tasks)
        if not outcome.won:
            late = Refusal.ALREADY_DECIDED if outcome.ticket.decision else Refusal.NOT_READY
            return DecisionResult(outcome.ticket, late)
        if decision is Decision.APPROVED:
            await self._confirm(outcome.ticket)
        await self._publisher.publish(ticket.id)
        return DecisionResult(outcome.ticket)

    async def _refusal(
        self, ticket: Ticket, user_id: str, where: MessageRef | None
    ) -> Refusal | None:
        approvals = await approvals_for(self._router, self._approvals, ticket)
        return approver_refusal(approvals, ticket, user_id, where)

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
