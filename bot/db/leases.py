"""Who is working on a ticket: a lease per ticket, so replicas never run the same step twice.

A lease names its owner ``host:pid:nonce`` and expires after ``LEASE_TTL`` unless renewed
(each pipeline step renews it). After a crash, a process restarting on the same host frees at
once the leases of local owners whose process is gone; leases of other hosts simply expire.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update

from bot.db.models import Ticket, utcnow
from bot.db.store import Store

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(minutes=2)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases(Store):
    async def claim(self, ticket_id: int, owner: str, ttl: timedelta = LEASE_TTL) -> bool:
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
        async with self._write(f"claim ticket {ticket_id}") as session:
            return (await session.execute(statement)).first() is not None

    async def release(self, ticket_id: int, owner: str) -> None:
        statement = (
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )
        async with self._write(f"release ticket {ticket_id}") as session:
            await session.execute(statement)

    async def owners(self) -> Sequence[str]:
        statement = select(Ticket.lease_owner).where(Ticket.lease_owner.is_not(None)).distinct()
        async with self._read("list lease owners") as session:
            return [owner for owner in (await session.execute(statement)).scalars() if owner]

    async def break_all_of(self, owner: str) -> int:
        """Free every lease of ``owner`` (a process known to be dead)."""
        statement = (
            update(Ticket)
            .where(Ticket.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
            .returning(Ticket.id)
        )
        async with self._write(f"free the leases of {owner}") as session:
            return len((await session.execute(statement)).all())

    async def break_dead_local(self, me: str) -> int:
        """Free the leases of processes on this host that are no longer running."""
        freed = 0
        for owner in await self.owners():
            if _dead_local_owner(owner, me):
                count = await self.break_all_of(owner)
                log.info("freed %s lease(s) of %s, which is no longer running", count, owner)
                freed += count
        return freed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_local_owner(owner: str, me: str) -> bool:
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if owner == me or host != socket.gethostname() or not pid_text.isdigit():
        return False
    return int(pid_text) != os.getpid() and not _process_alive(int(pid_text))
