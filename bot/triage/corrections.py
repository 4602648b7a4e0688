"""Correct a ticket's type from Slack: the log, the example store, Jira, then the message.

Only approvers may correct (the same rule as deciding, from settings, never from the payload).
A correction is training signal: the corrected label is stored as a confirmed example
(``ticket:<id>``, replacing an earlier confirmation). Rejected tickets cannot be corrected.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import messages
from bot.db.examples import ExampleStore, NewExample
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import StaleState, TicketbotError
from bot.labels import Label, parse_label
from bot.settings import Settings
from bot.tickets import TicketState
from bot.triage.ports import Chat, IssueTracker
from bot.triage.refusals import Refusal, approver_refusal

log = logging.getLogger(__name__)

CORRECTABLE = frozenset({TicketState.POSTED, TicketState.APPROVED})


@dataclass(frozen=True, slots=True)
class CorrectionResult:
    ticket: Ticket | None
    refusal: Refusal | None = None
    changed: bool = False


class Corrector:
    def __init__(self, tickets: TicketLog, tracker: IssueTracker, chat: Chat,
                 settings: Settings, examples: ExampleStore) -> None:
        self._tickets = tickets
        self._tracker = tracker
        self._chat = chat
        self._approvals = settings.approvals
        self._types = settings.jira.issue_types
        self._examples = examples

    async def correct(self, ticket_id: int, value: str, user_id: str) -> CorrectionResult:
        ticket = await self._tickets.get(ticket_id)
        label = parse_label(value)
        if ticket is None or label is None:
            return CorrectionResult(ticket, Refusal.UNKNOWN_TICKET)
        refusal = approver_refusal(self._approvals, ticket, user_id)
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
        await self._publish(updated, ticket.label or "?", user_id)
        return CorrectionResult(updated, changed=True)

    async def _relabel(self, ticket: Ticket, label: Label, user_id: str) -> Ticket:
        updated = await self._tickets.relabel(ticket, label, user_id)
        await self._examples.add(NewExample(ticket.text, label, "correction",
                                            f"ticket:{ticket.id}", ticket.id,
                                            ticket.model_probabilities), replace=True)
        log.info("ticket %s: type corrected %s -> %s by %s", ticket.id, ticket.label, label,
                 user_id)
        return updated

    async def _publish(self, ticket: Ticket, old: str, user_id: str) -> None:
        """Jira type (or a comment) and the Slack message; failures are logged, never undo."""
        steps: tuple[tuple[str, Callable[[], Awaitable[None]]], ...] = (
            ("change the Jira type", lambda: self._jira(ticket, old, user_id)),
            ("update the message", lambda: self._chat.show_decision(ticket)),
        )
        for what, step in steps:
            try:
                await step()
            except TicketbotError as exc:
                log.warning("ticket %s: could not %s after a correction: %s", ticket.id, what,
                            exc)
                await self._tickets.add_event(ticket.id, "ticketbot", "publish_failed",
                                              {"step": what, "error": str(exc)[:300]})

    async def _jira(self, ticket: Ticket, old: str, user_id: str) -> None:
        label = parse_label(ticket.label or "")
        if ticket.jira_key is None or label is None:
            return
        wanted = self._types.get(label, label)
        old_label = parse_label(old)
        if old_label is not None and self._types.get(old_label, old_label) == wanted:
            await self._tracker.add_comment(ticket.jira_key, messages.JIRA_LABEL_COMMENT.format(
                user=user_id, old=old, label=label))
        elif wanted in await self._tracker.issue_type_names():
            await self._tracker.set_issue_type(ticket.jira_key, wanted)
            await self._tickets.add_event(ticket.id, "ticketbot", "issue_type_changed",
                                          {"key": ticket.jira_key, "issue_type": wanted})
        else:
            await self._tracker.add_comment(ticket.jira_key, messages.JIRA_TYPE_COMMENT.format(
                user=user_id, label=label, type=wanted))
