"""The ticket log: every write is one short transaction, every database error a StorageError.

State changes are compare-and-set (``UPDATE … WHERE state IN (…)``) so two workers, or a
worker and a redelivered request, can never both move the same ticket. Each pipeline step has
its own typed method (``mark_classified``, ``mark_filed``, ``mark_posted``); leases live in
``bot.db.leases``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select, update

from bot.db.models import Ticket, TicketEvent, utcnow
from bot.db.requests import insert_new
from bot.db.ticket_reads import TicketReads
from bot.errors import StaleState, StorageError
from bot.labels import Label
from bot.tickets import BOT_ACTOR, Decision, NewRequest, TicketState

log = logging.getLogger(__name__)

Step = Literal["jira_create", "slack_post"]
STARTED_COLUMNS: dict[Step, str] = {
    "jira_create": "jira_create_started_at",
    "slack_post": "slack_post_started_at",
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


class TicketLog(TicketReads):
    """The ticket log's writes; its queries are in ``TicketReads``."""

    async def record_request(self, request: NewRequest) -> tuple[Ticket, bool]:
        """Record the request once; ``(ticket, created)``; a redelivery gets the first row."""
        [result] = await self.record_requests([request])
        return result

    async def record_requests(self, requests: Sequence[NewRequest]) -> list[tuple[Ticket, bool]]:
        """Record many requests in one transaction (group commit), each at most once.

        Returns ``(ticket, created)`` per request, in order. A dedupe key already in the log,
        or repeated within ``requests``, gets the first row and ``created=False``.
        """
        fresh = list({r.dedupe_key: r for r in reversed(requests)}.values())[::-1]
        async with self._write("record requests") as session:
            created = await insert_new(session, fresh)
            events = [
                {
                    "ticket_id": created[r.dedupe_key],
                    "actor": r.requester_id,
                    "event": "received",
                    "details": {"source": r.source.value},
                    "created_at": utcnow(),
                }
                for r in fresh
                if r.dedupe_key in created
            ]
            if events:
                await session.execute(insert(TicketEvent), events)
            keys = [r.dedupe_key for r in fresh]
            rows = await session.execute(select(Ticket).where(Ticket.dedupe_key.in_(keys)))
            by_key = {t.dedupe_key: t for t in rows.scalars()}
        results, seen = [], set()
        for request in requests:
            key = request.dedupe_key
            is_new = key in created and key not in seen
            seen.add(key)
            results.append((by_key[key], is_new))
            if is_new:
                log.info(
                    "ticket %s received from %s in %s",
                    created[key],
                    request.requester_id,
                    request.channel_id,
                )
            else:
                log.info("duplicate request %s ignored; ticket %s", key, by_key[key].id)
        return results

    async def mark_classified(self, ticket_id: int, found: ClassifiedAs) -> Ticket:
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
            ticket_id, {TicketState.RECEIVED}, TicketState.CLASSIFIED, values, details=details
        )

    async def mark_filed(self, ticket_id: int, *, key: str, url: str, issue_type: str) -> Ticket:
        return await self._move(
            ticket_id,
            {TicketState.CLASSIFIED},
            TicketState.FILED,
            {"jira_key": key, "jira_url": url},
            details={"key": key, "issue_type": issue_type},
        )

    async def mark_posted(
        self, ticket_id: int, *, channel_id: str, ts: str, in_channel: bool
    ) -> Ticket:
        return await self._move(
            ticket_id,
            {TicketState.FILED},
            TicketState.POSTED,
            {"message_channel_id": channel_id, "message_ts": ts},
            details={"channel": channel_id, "ts": ts, "in_channel": in_channel},
        )

    async def relabel(self, ticket: Ticket, label: str, by: str) -> Ticket:
        """An approver's correction: the new label, the state unchanged (if still current)."""
        values = {
            "label": label,
            "confidence": 1.0,
            "classified_by": "approver",
            "needs_triage": False,
        }
        return await self._move(
            ticket.id,
            {ticket.state},
            ticket.state,
            values,
            event="label_corrected",
            actor=by,
            details={"from": ticket.label, "to": label},
        )

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
    ) -> Ticket:
        """Move the ticket to ``to`` if it is in one of ``expected``; else raise StaleState."""
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.state.in_(list(expected)))
            .values(state=to, updated_at=utcnow(), next_attempt_at=None, **values)
            .returning(Ticket)
        )
        async with self._write(f"move ticket {ticket_id} to {to.value}") as session:
            ticket = (await session.execute(statement)).scalar_one_or_none()
            if ticket is None:
                raise StaleState(f"ticket {ticket_id} is not in {sorted(expected)}")
            session.add(_event(ticket_id, actor, event or to.value, details or {}))
        log.info("ticket %s is now %s", ticket_id, to.value)
        return ticket

    async def mark_started(self, ticket_id: int, step: Step) -> None:
        """Note that a non-idempotent call is about to be sent: a later attempt must look first."""
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values({STARTED_COLUMNS[step]: utcnow(), "updated_at": utcnow()})
        )
        async with self._write(f"note the start of {step}") as session:
            await session.execute(statement)

    async def record_failure(
        self, ticket_id: int, error: str, *, retry_at: datetime | None, give_up: bool = False
    ) -> Ticket:
        """Count a failed attempt; ``give_up`` moves the ticket to ``failed``."""
        values: dict[str, Any] = {
            "attempts": Ticket.attempts + 1,
            "last_error": error[:2000],
            "next_attempt_at": retry_at,
            "updated_at": utcnow(),
        }
        if give_up:
            values["state"] = TicketState.FAILED
        statement = update(Ticket).where(Ticket.id == ticket_id).values(**values).returning(Ticket)
        async with self._write(f"record a failure of ticket {ticket_id}") as session:
            ticket = (await session.execute(statement)).scalar_one()
            event = "failed" if give_up else "attempt_failed"
            details = {"error": error[:500], "attempts": ticket.attempts}
            session.add(_event(ticket_id, BOT_ACTOR, event, details))
        log.warning("ticket %s attempt %s failed: %s", ticket_id, ticket.attempts, error)
        return ticket

    async def decide(self, ticket_id: int, decision: Decision, by: str) -> DecisionOutcome:
        """Record the first decision atomically; later callers get ``won=False``."""
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
