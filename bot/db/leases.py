"""Who is working on a ticket: a lease per ticket, so replicas never run the same step twice.

A lease names its owner, a random id per process (``new_owner``), and expires ``ttl`` after
it was last renewed, on the database's clock (``bot.db.clock``), never a host's own. While a
process works on a ticket, a heartbeat renews the lease every ``ttl / 3`` (``HeldLease``). A
renewal that is refused (the lease expired or was taken), or two in a row that fail, lose the
lease: the work under it is cancelled at its next await, and every write of the ticket log the
pipeline makes is compare-and-set on the lease owner (``LeaseLost``), so a worker that lost
its lease can neither start a step's side effect nor record anything. A crashed process's
leases simply expire; nothing guesses whether an owner is still alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.clock import DatabaseClock
from bot.db.models import Ticket
from bot.db.store import Store
from bot.errors import LeaseLost, StaleState, StorageError

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=30)


def new_owner() -> str:
    """A random id for this process; the hostname only makes it readable in the ticket log."""
    return f"{uuid.uuid4().hex}@{socket.gethostname()}"[:64]


def held_by(owner: str, now: datetime) -> ColumnElement[bool]:
    """The condition that ``owner`` holds the ticket's lease at ``now`` (database time)."""
    return (Ticket.lease_owner == owner) & (Ticket.lease_expires_at > now)


def held(owner: str | None, now: datetime) -> list[ColumnElement[bool]]:
    """``held_by`` as a list of conditions, empty when there is no owner (an admin's write)."""
    return [] if owner is None else [held_by(owner, now)]


class Leases(Store):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: DatabaseClock | None = None
    ) -> None:
        super().__init__(sessions)
        self.clock = clock or DatabaseClock(sessions)

    async def claim(self, ticket_id: int, owner: str, ttl: timedelta = LEASE_TTL) -> bool:
        """Take the lease on a free ticket; False while a lease on it (anyone's) is current."""
        now = await self.clock.now()
        free = Ticket.lease_owner.is_(None) | (Ticket.lease_expires_at <= now)
        return await self._set(ticket_id, free, owner, now + ttl, f"claim ticket {ticket_id}")

    async def renew(self, ticket_id: int, owner: str, ttl: timedelta = LEASE_TTL) -> bool:
        """Extend ``owner``'s current lease; False once it expired or another worker took it."""
        now = await self.clock.now()
        return await self._set(
            ticket_id, held_by(owner, now), owner, now + ttl, f"renew the lease of {ticket_id}"
        )

    async def release(self, ticket_id: int, owner: str) -> None:
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        async with self._write(f"release ticket {ticket_id}") as session:
            await session.execute(statement)

    @contextlib.asynccontextmanager
    async def hold(
        self, ticket_id: int, owner: str, ttl: timedelta = LEASE_TTL
    ) -> AsyncIterator[HeldLease | None]:
        """Claim the ticket and keep the lease alive while the block runs; None if taken.

        If the lease is lost, the block is cancelled; the cancellation ends here and the
        ``async with`` statement completes without running the rest of the block.
        """
        if not await self.claim(ticket_id, owner, ttl):
            yield None
            return
        task = asyncio.current_task()
        assert task is not None, "hold() runs inside a task"
        lease = HeldLease(self, ticket_id, owner, ttl, task)
        try:
            yield lease
        except asyncio.CancelledError:
            if not lease.cancelled_work or task.uncancel() > 0:
                raise  # cancelled by someone else too (shutdown): let it through
        finally:
            await lease.close()

    async def _set(
        self,
        ticket_id: int,
        condition: ColumnElement[bool],
        owner: str,
        expires_at: datetime,
        what: str,
    ) -> bool:
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, condition)
            .values(lease_owner=owner, lease_expires_at=expires_at)
            .returning(Ticket.id)
        )
        async with self._write(what) as session:
            return (await session.execute(statement)).first() is not None


class HeldLease:
    """A lease this process holds on one ticket, renewed by a heartbeat until closed."""

    def __init__(
        self, leases: Leases, ticket_id: int, owner: str, ttl: timedelta, work: asyncio.Task[object]
    ) -> None:
        self.ticket_id, self.owner, self.ttl = ticket_id, owner, ttl
        self.lost = False
        self.cancelled_work = False
        self._leases = leases
        self._work = work
        self._closing = False
        self._beat = asyncio.create_task(self._heartbeat(), name=f"lease-{ticket_id}")

    async def confirm(self) -> None:
        """The guard before a side effect: renew the lease now, or raise LeaseLost."""
        if not self.lost and await self._leases.renew(self.ticket_id, self.owner, self.ttl):
            return
        self.lost = True
        raise LeaseLost(f"ticket {self.ticket_id}: the lease of {self.owner} is gone")

    async def _heartbeat(self) -> None:
        failures = 0
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            try:
                kept = await self._leases.renew(self.ticket_id, self.owner, self.ttl)
                failures = 0
            except StorageError as exc:
                failures += 1
                log.warning("ticket %s: could not renew its lease: %s", self.ticket_id, exc)
                kept = failures < 2  # after two misses a third of the lease is left
            if not kept:
                self._lose()
                return

    def _lose(self) -> None:
        self.lost = True
        if self._closing:
            return
        log.warning("ticket %s: lease lost; stopping this attempt", self.ticket_id)
        self.cancelled_work = True
        self._work.cancel()

    async def close(self) -> None:
        """Stop the heartbeat and release the lease (if it is still ours)."""
        self._closing = True
        self._beat.cancel()
        await asyncio.wait([self._beat])
        try:
            await self._leases.release(self.ticket_id, self.owner)
        except StorageError as exc:
            log.warning("ticket %s: lease not released (it expires): %s", self.ticket_id, exc)


async def refusal(
    session: AsyncSession, ticket_id: int, owner: str | None, now: datetime, stale: str
) -> StaleState:
    """Why a compare-and-set write matched nothing: ``LeaseLost`` when ``owner`` (if given)
    no longer holds the lease at ``now``, else ``StaleState(stale)``."""
    ticket = await session.get(Ticket, ticket_id)
    if owner is None or ticket is None:
        return StaleState(stale)
    if ticket.lease_owner != owner or (ticket.lease_expires_at or now) <= now:
        return LeaseLost(f"ticket {ticket_id} is no longer leased by {owner}")
    return StaleState(stale)
