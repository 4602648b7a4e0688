from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta

from bot.db.leases import Leases, new_owner
from bot.db.tickets import TicketLog
from tests.db.test_tickets import request


async def test_lease_is_exclusive_until_released_or_expired(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    ttl = timedelta(minutes=2)
    assert await leases.claim(ticket.id, "host:1:a", ttl)
    assert await leases.claim(ticket.id, "host:1:a", ttl)  # renewing is fine
    assert not await leases.claim(ticket.id, "host:2:b", ttl)
    assert await ticket_log.unfinished() == []  # leased tickets are not offered to resume
    await leases.release(ticket.id, "host:1:a")
    assert await leases.claim(ticket.id, "host:2:b", timedelta(seconds=-1))
    assert await leases.claim(ticket.id, "host:1:a", ttl)  # the other lease expired


async def test_racing_claims_have_one_winner(ticket_log: TicketLog, leases: Leases) -> None:
    ticket, _ = await ticket_log.record_request(request())
    results = await asyncio.gather(
        *(leases.claim(ticket.id, f"h:{n}:x", timedelta(minutes=1)) for n in range(6))
    )
    assert results.count(True) == 1


async def test_break_leases_frees_a_dead_owners_tickets(
    ticket_log: TicketLog, leases: Leases
) -> None:
    ticket, _ = await ticket_log.record_request(request())
    await leases.claim(ticket.id, "h:999999:x", timedelta(minutes=2))
    assert await leases.owners() == ["h:999999:x"]
    assert await leases.break_all_of("h:999999:x") == 1
    assert [t.id for t in await ticket_log.unfinished()] == [ticket.id]


async def test_break_dead_local_frees_only_dead_processes_on_this_host(
    ticket_log: TicketLog, leases: Leases
) -> None:
    dead, alive, elsewhere = [
        (await ticket_log.record_request(request(f"k{n}")))[0].id for n in range(3)
    ]
    host = socket.gethostname()
    await leases.claim(dead, f"{host}:999999:x")
    await leases.claim(alive, f"{host}:{os.getppid()}:y")
    await leases.claim(elsewhere, "another-host:999999:z")
    assert await leases.break_dead_local(new_owner()) == 1
    assert sorted(await leases.owners()) == sorted(
        [f"{host}:{os.getppid()}:y", "another-host:999999:z"]
    )
