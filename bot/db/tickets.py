"""Repository functions over the ticket log: every write is one short transaction.

State changes are compare-and-set (``UPDATE … WHERE state IN (…)``) so two workers, or a
worker and a redelivered request, can never both move the same ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from bot.db.models import Ticket, TicketEvent, utcnow
from bot.errors import StaleState, StorageError
from bot.tickets import BOT_ACTOR, Decision, NewRequest, TicketState

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """``won`` is False when someone else decided first; ``ticket`` is the row as it now stands."""

    won: bool
    ticket: Ticket


class TicketLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

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
        try:
            async with self._sessions.begin() as session:
                created = await _insert_new(session, fresh)
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
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot record requests: {type(exc).__name__}") from exc
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

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._sessions() as session:
            return await session.get(Ticket, ticket_id)

    async def get_by_jira_key(self, jira_key: str) -> Ticket | None:
        return await self._one(select(Ticket).where(Ticket.jira_key == jira_key))

    async def get_by_message(self, channel_id: str, ts: str) -> Ticket | None:
        return await self._one(
            select(Ticket).where(Ticket.message_channel_id == channel_id, Ticket.message_ts == ts)
        )

    async def advance(
        self,
        ticket_id: int,
        *,
        expected: Collection[TicketState],
        to: TicketState,
        event: str | None = None,
        actor: str = BOT_ACTOR,
        details: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Ticket:
        """Move the ticket to ``to`` if it is in one of ``expected``; else raise StaleState."""
        values = {"state": to, "updated_at": utcnow(), "next_attempt_at": None, **fields}
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.state.in_(list(expected)))
            .values(**values)
            .returning(Ticket)
        )
        async with self._sessions.begin() as session:
            ticket = (await session.execute(statement)).scalar_one_or_none()
            if ticket is None:
                raise StaleState(f"ticket {ticket_id} is not in {sorted(expected)}")
            session.add(_event(ticket_id, actor, event or to.value, details or {}))
        log.info("ticket %s is now %s", ticket_id, to.value)
        return ticket

    async def mark_started(
        self, ticket_id: int, step: Literal["jira_create", "slack_post"]
    ) -> None:
        """Note that a non-idempotent call is about to be sent: a later attempt must look first."""
        column = {"jira_create": "jira_create_started_at", "slack_post": "slack_post_started_at"}
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values({column[step]: utcnow(), "updated_at": utcnow()})
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def claim(self, ticket_id: int, owner: str, ttl: timedelta) -> bool:
        """Take (or extend) the lease on a ticket; False while another worker holds it."""
        now = utcnow()
        free = (
            Ticket.lease_owner.is_(None)
            | (Ticket.lease_owner == owner)
            | (Ticket.lease_expires_at < now)
        )
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, free)
            .values(lease_owner=owner, lease_expires_at=now + ttl)
            .returning(Ticket.id)
        )
        async with self._sessions.begin() as session:
            return (await session.execute(statement)).first() is not None

    async def release(self, ticket_id: int, owner: str) -> None:
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)

    async def lease_owners(self) -> Sequence[str]:
        statement = select(Ticket.lease_owner).where(Ticket.lease_owner.is_not(None)).distinct()
        async with self._sessions() as session:
            return [owner for owner in (await session.execute(statement)).scalars() if owner]

    async def break_leases(self, owner: str) -> int:
        """Free every lease of ``owner`` (a process known to be dead)."""
        statement = (
            update(Ticket)
            .where(Ticket.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
            .returning(Ticket.id)
        )
        async with self._sessions.begin() as session:
            return len((await session.execute(statement)).all())

    async def retry_failed(self, ticket_id: int, actor: str) -> Ticket:
        """Put a failed ticket back where it stopped, with a fresh attempt budget."""
        ticket = await self.get(ticket_id)
        if ticket is None:
            raise StorageError(f"ticket {ticket_id} does not exist")
        resume_at = _resume_state(ticket)
        return await self.advance(
            ticket_id,
            expected={TicketState.FAILED},
            to=resume_at,
            event="retry_requested",
            actor=actor,
            attempts=0,
            last_error=None,
            details={"resume_at": resume_at.value},
        )

    async def listing(self, state: TicketState | None = None, limit: int = 50) -> Sequence[Ticket]:
        statement = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if state is not None:
            statement = statement.where(Ticket.state == state)
        async with self._sessions() as session:
            return (await session.execute(statement)).scalars().all()

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
        async with self._sessions.begin() as session:
            ticket = (await session.execute(statement)).scalar_one()
            session.add(
                _event(
                    ticket_id,
                    BOT_ACTOR,
                    "failed" if give_up else "attempt_failed",
                    {"error": error[:500], "attempts": ticket.attempts},
                )
            )
        log.warning("ticket %s attempt %s failed: %s", ticket_id, ticket.attempts, error)
        return ticket

    async def decide(self, ticket_id: int, decision: Decision, by: str) -> DecisionOutcome:
        """Record the first decision atomically; later callers get ``won=False``."""
        state = TicketState(decision.value)
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
                state=state,
                updated_at=utcnow(),
            )
            .returning(Ticket)
        )
        async with self._sessions.begin() as session:
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
        async with self._sessions.begin() as session:
            session.add(_event(ticket_id, actor, event, details or {}))

    async def events(self, ticket_id: int) -> Sequence[TicketEvent]:
        statement = (
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
        async with self._sessions() as session:
            return (await session.execute(statement)).scalars().all()

    async def recent_for_requester(self, requester_id: str, limit: int = 5) -> Sequence[Ticket]:
        statement = (
            select(Ticket)
            .where(Ticket.requester_id == requester_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        async with self._sessions() as session:
            return (await session.execute(statement)).scalars().all()

    async def unfinished(self, now: datetime | None = None, limit: int = 100) -> Sequence[Ticket]:
        """Tickets left mid-way (received, classified, filed) whose retry time has come."""
        now = now or utcnow()
        statement = (
            select(Ticket)
            .where(
                Ticket.state.in_([TicketState.RECEIVED, TicketState.CLASSIFIED, TicketState.FILED])
            )
            .where((Ticket.next_attempt_at.is_(None)) | (Ticket.next_attempt_at <= now))
            .where((Ticket.lease_owner.is_(None)) | (Ticket.lease_expires_at < now))
            .order_by(Ticket.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            return (await session.execute(statement)).scalars().all()

    async def _one(self, statement: Any) -> Ticket | None:
        async with self._sessions() as session:
            result: Ticket | None = (await session.execute(statement)).scalar_one_or_none()
            return result


async def _insert_new(session: AsyncSession, requests: Sequence[NewRequest]) -> dict[str, int]:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; the dedupe keys actually inserted → ids."""
    if not requests:
        return {}
    now = utcnow()
    rows = [
        {
            "dedupe_key": r.dedupe_key,
            "source": r.source,
            "slack_team_id": r.team_id,
            "slack_channel_id": r.channel_id,
            "requester_id": r.requester_id,
            "requester_name": r.requester_name,
            "response_url": r.response_url,
            "text": r.text,
            "summary_override": r.summary_override,
            "label_override": r.label_override,
            "state": TicketState.RECEIVED,
            "created_at": now,
            "updated_at": now,
            "attempts": 0,
            "needs_triage": False,
        }
        for r in requests
    ]
    keys = [Ticket.dedupe_key]
    statement: ReturningInsert[int, str] = (
        postgresql_insert(Ticket).values(rows).on_conflict_do_nothing(index_elements=keys)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(Ticket).values(rows).on_conflict_do_nothing(index_elements=keys)
    ).returning(Ticket.id, Ticket.dedupe_key)
    return {key: ticket_id for ticket_id, key in (await session.execute(statement)).all()}


def _resume_state(ticket: Ticket) -> TicketState:
    if ticket.label is None:
        return TicketState.RECEIVED
    if ticket.jira_key is None:
        return TicketState.CLASSIFIED
    return TicketState.FILED


def _event(ticket_id: int | None, actor: str, event: str, details: dict[str, Any]) -> TicketEvent:
    return TicketEvent(ticket_id=ticket_id, actor=actor, event=event, details=details)
