"""Correct a ticket's type from Slack: the log, the example store, Jira, then the message.

Only approvers may correct (the same rule as deciding, from settings, never from the payload).
A correction is training signal: the corrected label is stored as a confirmed example
(``ticket:<id>``, replacing an earlier confirmation). Rejected tickets cannot be corrected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.db.examples import ExampleStore, NewExample
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import StaleState
from bot.labels import Label, parse_label
from bot.settings import Settings
from bot.tickets import MessageRef, TicketState
from bot.triage.publisher import Publisher, correction_tasks
from bot.triage.refusals import Refusal, approver_refusal
from bot.triage.routing import Router, approvals_for

log = logging.getLogger(__name__)

CORRECTABLE = frozenset({TicketState.POSTED, TicketState.APPROVED})


@dataclass(frozen=True, slots=True)
class CorrectionResult:
    ticket: Ticket | None
    refusal: Refusal | None = None
    changed: bool = False


class Corrector:
    def __init__(self, tickets: TicketLog, publisher: Publisher, settings: Settings,
                 examples: ExampleStore, router: Router | None = None) -> None:
        self._tickets = tickets
        self._publisher = publisher
        self._approvals = settings.approvals
        self._examples = examples
        self._router = router  # per-channel approvers (bot.triage.routing)

    async def correct(
        self, ticket_id: int, value: str, user_id: str, where: MessageRef
    ) -> CorrectionResult:
        ticket = await self._tickets.get(ticket_id)
        label = parse_label(value)
        if ticket is None or label is None:
            return CorrectionResult(ticket, Refusal.UNKNOWN_TICKET)
        approvals = await approvals_for(self._router, self._approvals, ticket)
        refusal = approver_refusal(approvals, ticket, user_id, where)
        if refusal is None and ticket.state not in CORRECTABLE:
            refusal = Refusal.NOT_READY
        if refusal is not None:
            await self._tickets.add_event(ticket.id, user_id, "correction_refused",
                                          {"label": label, "reason": refusal.value})
            return CorrectionResult(ticket, refusal)
        if label == ticket.label:
            return CorrectionResult(ticket)
        try:
            updated = await self._relabel(ticket, label, user_id)
        except StaleState:
            return CorrectionResult(await self._tickets.get(ticket_id), Refusal.NOT_READY)
        await self._publisher.publish(ticket.id)
        return CorrectionResult(updated, changed=True)

    async def _relabel(self, ticket: Ticket, label: Label, user_id: str) -> Ticket:
        tasks = correction_tasks(ticket, ticket.label, label, user_id)
        updated = await self._tickets.relabel(ticket, label, user_id, tasks)
        await self._examples.add(NewExample(ticket.text, label, "correction",
                                            f"ticket:{ticket.id}", ticket.id,
                                            ticket.model_probabilities), replace=True)
        log.info("ticket %s: type corrected %s -> %s by %s", ticket.id, ticket.label, label,
                 user_id)
        return updated
