"""The ticket log: every write is one short transaction, every database error a StorageError.

State changes are compare-and-set (``UPDATE … WHERE state IN (…)``) so two workers, or a
worker and a redelivered request, can never both move the same ticket. Each pipeline step has
its own typed method (``mark_classified``, ``mark_filed``, ``mark_posted``); those, and every
other write the pipeline makes (``mark_started``, ``record_failure``), also require the
caller's current lease (``owner``; leases live in ``bot.db.leases``), else ``LeaseLost``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update

from bot.db.leases import held, refusal
from bot.db.models import Ticket, TicketEvent, utcnow
from bot.db.outbox import NewTask, add_in
from bot.db.requests import RequestLog
from bot.db.sources import source_tasks
from bot.errors import StaleState, StorageError
from bot.labels import Label
from bot.tickets import ACTIVE_STATES, BOT_ACTOR, Decision, TicketState

log = logging.getLogger(__name__)

Step = Literal["jira_create", "slack_post"]
STARTED_COLUMNS: dict[Step, str] = {
    "jira_create": "jira_create_started_at",
    "slack_post": "slack_post_started_at",
}
STEP_STATES: dict[Step, TicketState] = {
    "jira_create": TicketState.CLASSIFIED,
    "slack_post": TicketState.FILED,
}


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """``won`` is False when someone else decided first; ``ticket`` is the row as it now stands."""

    won: bool
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class ClassifiedAs:
    """What the classify step found, as the log keeps it."""

    label: str
    confidence: float
    classified_by: str
    needs_triage: bool = False
    duplicate_of: str | None = None
    model_probabilities: Mapping[Label, float] | None = None


class TicketLog(RequestLog):
    """The ticket log's writes; recording requests is in ``RequestLog``, queries in
    ``TicketReads``."""

    async def mark_classified(self, ticket_id: int, found: ClassifiedAs, *, owner: str) -> Ticket:
        details: dict[str, Any] = {
            "label": found.label,
            "confidence": round(found.confidence, 4),
            "backend": found.classified_by,
        }
        if found.duplicate_of:
            details["duplicate_of"] = found.duplicate_of
        values = {
            "label": found.label,
            "confidence": found.confidence,
            "classified_by": found.classified_by,
            "needs_triage": found.needs_triage,
            "duplicate_of": found.duplicate_of,
            "model_probabilities": found.model_probabilities,
        }
        return await self._move(
            ticket_id,
            {TicketState.RECEIVED},
            TicketState.CLASSIFIED,
            values,
            details=details,
            owner=owner,
        )

    async def mark_filed(
        self, ticket_id: int, *, key: str, url: str, issue_type: str, owner: str
    ) -> Ticket:
        return await self._move(
            ticket_id,
            {TicketState.CLASSIFIED},
            TicketState.FILED,
            {"jira_key": key, "jira_url": url},
            details={"key": key, "issue_type": issue_type},
            owner=owner,
            tasks=source_tasks,
        )

    async def mark_posted(
        self, ticket_id: int, *, channel_id: str, ts: str, in_channel: bool, owner: str
    ) -> Ticket:
        return await self._move(
            ticket_id,
            {TicketState.FILED},
            TicketState.POSTED,
            {"message_channel_id": channel_id, "message_ts": ts, "response_url": None},
            details={"channel": channel_id, "ts": ts, "in_channel": in_channel},
            owner=owner,
        )

    async def relabel(
        self, ticket: Ticket, label: str, by: str, tasks: Sequence[NewTask] = ()
    ) -> Ticket:
        """An approver's correction: the new label, the state unchanged (if still current), and
        in the same transaction the ``tasks`` that show it in Jira and Slack."""
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.state == ticket.state)
            .values(
                label=label,
                confidence=1.0,
                classified_by="approver",
                needs_triage=False,
                updated_at=utcnow(),
            )
            .returning(Ticket)
        )
        details = {"from": ticket.label, "to": label}
        async with self._write(f"correct ticket {ticket.id}") as session:
            updated = (await session.execute(statement)).scalar_one_or_none()
            if updated is None:
                raise StaleState(f"ticket {ticket.id} is no longer {ticket.state.value}")
            session.add(_event(ticket.id, by, "label_corrected", details))
            await add_in(session, tasks)
        return updated

    async def retry_failed(self, ticket_id: int, actor: str) -> Ticket:
        """Put a failed ticket back where it stopped, with a fresh attempt budget."""
        ticket = await self.get(ticket_id)
        if ticket is None:
            raise StorageError(f"ticket {ticket_id} does not exist")
        resume_at = _resume_state(ticket)
        return await self._move(
            ticket_id,
            {TicketState.FAILED},
            resume_at,
            {"attempts": 0, "last_error": None},
            event="retry_requested",
            actor=actor,
            details={"resume_at": resume_at.value},
        )

    async def _move(
        self,
        ticket_id: int,
        expected: Collection[TicketState],
        to: TicketState,
        values: dict[str, Any],
        *,
        event: str | None = None,
        actor: str = BOT_ACTOR,
        details: dict[str, Any] | None = None,
        owner: str | None = None,
        tasks: Callable[[Ticket], Sequence[NewTask]] | None = None,
    ) -> Ticket:
        """Move the ticket to ``to`` if it is in one of ``expected``; else raise StaleState."""
        ticket = await self._update(
            ticket_id,
            expected,
            {"state": to, "updated_at": utcnow(), "next_attempt_at": None, **values},
            lambda _: _event(ticket_id, actor, event or to.value, details or {}),
            owner=owner,
            tasks=tasks,
        )
        log.info("ticket %s is now %s", ticket_id, to.value)
        return ticket

    async def mark_started(self, ticket_id: int, step: Step, *, owner: str) -> None:
        """Note that a non-idempotent call is about to be sent: a later attempt must look first."""
        started = {STARTED_COLUMNS[step]: await self.clock.now(), "updated_at": utcnow()}
        await self._update(ticket_id, {STEP_STATES[step]}, started, None, owner=owner)

    async def record_failure(
        self,
        ticket_id: int,
        error: str,
        *,
        retry_at: datetime | None,
        owner: str,
        give_up: bool = False,
        counted: bool = True,
    ) -> Ticket:
        """Count a failed attempt of ``owner``'s lease (``counted=False``: only wait, as for a
        rate limit); ``give_up`` moves it to ``failed``."""
        values: dict[str, Any] = {
            "attempts": Ticket.attempts + int(counted),
            "last_error": error[:2000],
            "next_attempt_at": retry_at,
            "updated_at": utcnow(),
        }
        if give_up:
            values["state"] = TicketState.FAILED

        def failed(ticket: Ticket) -> TicketEvent:
            details = {"error": error[:500], "attempts": ticket.attempts}
            return _event(ticket_id, BOT_ACTOR, "failed" if give_up else "attempt_failed", details)

        ticket = await self._update(ticket_id, ACTIVE_STATES, values, failed, owner=owner)
        log.warning("ticket %s attempt %s failed: %s", ticket_id, ticket.attempts, error)
        return ticket

    async def _update(
        self,
        ticket_id: int,
        expected: Collection[TicketState],
        values: dict[str, Any],
        event: Callable[[Ticket], TicketEvent] | None,
        *,
        owner: str | None,
        tasks: Callable[[Ticket], Sequence[NewTask]] | None = None,
    ) -> Ticket:
        """Compare-and-set: update the ticket (and add ``event(ticket)``) if its state is one of
        ``expected`` and, given an ``owner``, ``owner`` holds its lease; else raise StaleState,
        or LeaseLost when the lease is why."""
        now = await self.clock.now()
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.state.in_(list(expected)), *held(owner, now))
            .values(**values)
            .returning(Ticket)
        )
        async with self._write(f"update ticket {ticket_id}") as session:
            ticket = (await session.execute(statement)).scalar_one_or_none()
            if ticket is None:
                stale = f"ticket {ticket_id} is not in {sorted(expected)}"
                raise await refusal(session, ticket_id, owner, now, stale)
            if event is not None:
                session.add(event(ticket))
            if tasks is not None:  # what the new state owes, in the same transaction
                await add_in(session, tasks(ticket))
        return ticket

    async def decide(
        self, ticket_id: int, decision: Decision, by: str, tasks: Sequence[NewTask] = ()
    ) -> DecisionOutcome:
        """Record the first decision atomically, with the ``tasks`` that show it in Slack and
        Jira (``bot.db.outbox``); later callers get ``won=False`` and enqueue nothing."""
        statement = (
            update(Ticket)
            .where(
                Ticket.id == ticket_id,
                Ticket.decision.is_(None),
                Ticket.state == TicketState.POSTED,
            )
            .values(
                decision=decision,
                decided_by=by,
                decided_at=utcnow(),
                state=TicketState(decision.value),
                updated_at=utcnow(),
            )
            .returning(Ticket)
        )
        async with self._write(f"record a decision on ticket {ticket_id}") as session:
            ticket = (await session.execute(statement)).scalar_one_or_none()
            if ticket is not None:
                session.add(_event(ticket_id, by, decision.value, {}))
                await add_in(session, tasks)
        if ticket is None:
            current = await self.get(ticket_id)
            if current is None:
                raise StorageError(f"ticket {ticket_id} does not exist")
            return DecisionOutcome(won=False, ticket=current)
        log.info("ticket %s %s by %s", ticket_id, decision.value, by)
        return DecisionOutcome(won=True, ticket=ticket)

    async def add_event(
        self, ticket_id: int | None, actor: str, event: str, details: dict[str, Any] | None = None
    ) -> None:
        async with self._write(f"add an event to ticket {ticket_id}") as session:
            session.add(_event(ticket_id, actor, event, details or {}))


def _resume_state(ticket: Ticket) -> TicketState:
    if ticket.label is None:
        return TicketState.RECEIVED
    if ticket.jira_key is None:
        return TicketState.CLASSIFIED
    return TicketState.FILED


def _event(ticket_id: int | None, actor: str, event: str, details: dict[str, Any]) -> TicketEvent:
    return TicketEvent(ticket_id=ticket_id, actor=actor, event=event, details=details)
