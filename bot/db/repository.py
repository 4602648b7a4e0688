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

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Decision, Ticket, TicketEvent, TicketSource, TicketState, utcnow
from bot.errors import StorageError

log = logging.getLogger(__name__)

BOT_ACTOR = "ticketbot"


class StaleState(StorageError):
    """The ticket was not in any of the expected states (someone else moved it first)."""


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request as it arrived from Slack, before anything slow has happened."""

    dedupe_key: str
    source: TicketSource
    channel_id: str
    requester_id: str
    text: str
    team_id: str | None = None
    requester_name: str | None = None
    response_url: str | None = None
    summary_override: str | None = None
    label_override: str | None = None


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
        ticket = Ticket(
            dedupe_key=request.dedupe_key,
            source=request.source,
            slack_team_id=request.team_id,
            slack_channel_id=request.channel_id,
            requester_id=request.requester_id,
            requester_name=request.requester_name,
            response_url=request.response_url,
            text=request.text,
            summary_override=request.summary_override,
            label_override=request.label_override,
            state=TicketState.RECEIVED,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(ticket)
                await session.flush()
                session.add(
                    _event(
                        ticket.id,
                        request.requester_id,
                        "received",
                        {"source": request.source.value},
                    )
                )
        except IntegrityError:
            existing = await self.get_by_dedupe_key(request.dedupe_key)
            if existing is None:
                raise
            log.info("duplicate request %s ignored; ticket %s", request.dedupe_key, existing.id)
            return existing, False
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot record request: {type(exc).__name__}") from exc
        log.info(
            "ticket %s received from %s in %s", ticket.id, request.requester_id, request.channel_id
        )
        return ticket, True

    async def get(self, ticket_id: int) -> Ticket | None:
        async with self._sessions() as session:
            return await session.get(Ticket, ticket_id)

    async def get_by_dedupe_key(self, dedupe_key: str) -> Ticket | None:
        return await self._one(select(Ticket).where(Ticket.dedupe_key == dedupe_key))

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


def _resume_state(ticket: Ticket) -> TicketState:
    if ticket.label is None:
        return TicketState.RECEIVED
    if ticket.jira_key is None:
        return TicketState.CLASSIFIED
    return TicketState.FILED


def _event(ticket_id: int | None, actor: str, event: str, details: dict[str, Any]) -> TicketEvent:
    return TicketEvent(ticket_id=ticket_id, actor=actor, event=event, details=details)
