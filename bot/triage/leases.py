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
from datetime import timedelta

from bot.db.tickets import TicketLog

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(minutes=2)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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


async def break_dead_local_leases(tickets: TicketLog, me: str) -> int:
    freed = 0
    for owner in await tickets.lease_owners():
        if _dead_local_owner(owner, me):
            count = await tickets.break_leases(owner)
            log.info("freed %s lease(s) of %s, which is no longer running", count, owner)
            freed += count
    return freed
