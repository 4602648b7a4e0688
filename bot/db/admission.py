"""The caps on unfinished tickets, checked inside the transaction that records requests.

``RequestLog.record_requests(requests, caps)`` calls ``refusals`` in its group-commit
transaction, before inserting: one query, whatever the batch's size, counts everyone's
unfinished tickets and those of the people in the batch. It reads only unfinished rows,
through the index on ``state``, and the total cap keeps those few.

A request already in the log (a Slack redelivery) is never refused: it gets its ticket as
before. Within a batch, requests are admitted in order until a cap is reached.

Shared by every replica, since the counts come from the ticket log. On PostgreSQL two replicas
recording at the same moment each count before the other commits, so a cap can be passed by
one batch per replica: a limit on floods, not an exact account.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket
from bot.errors import QuotaExceeded
from bot.tickets import ACTIVE_STATES, NewRequest

UNFINISHED = Ticket.state.in_(sorted(ACTIVE_STATES))


@dataclass(frozen=True, slots=True)
class Caps:
    """Unfinished tickets (received, classified, filed) allowed per requester and in total;
    None: no cap. ``retry_s`` is what a refused person is told to wait."""

    per_requester: int | None = None
    total: int | None = None
    retry_s: float = 300.0

    @property
    def active(self) -> bool:
        return self.per_requester is not None or self.total is not None


async def refusals(
    session: AsyncSession, requests: Sequence[NewRequest], caps: Caps
) -> dict[str, QuotaExceeded]:
    """The dedupe keys of the new requests a cap refuses, each with its refusal.

    One query in the usual case. Only when some request would be refused are the redeliveries
    among them looked up, so that they are neither refused nor counted.
    """
    if not caps.active or not requests:
        return {}
    total, mine = await _unfinished(session, {r.requester_id for r in requests})
    refused = _admit(requests, total, mine, caps)
    if refused:
        refused = _admit(await _not_recorded(session, requests), total, mine, caps)
    return refused


def _admit(
    requests: Sequence[NewRequest], total: int, mine: dict[str, int], caps: Caps
) -> dict[str, QuotaExceeded]:
    """Admit in order while under the caps; the refused ones by dedupe key."""
    mine = dict(mine)
    refused: dict[str, QuotaExceeded] = {}
    for request in requests:
        person = request.requester_id
        if caps.per_requester is not None and mine.get(person, 0) >= caps.per_requester:
            refused[request.dedupe_key] = _refusal("unfinished", caps.per_requester, caps)
        elif caps.total is not None and total >= caps.total:
            refused[request.dedupe_key] = _refusal("busy", caps.total, caps)
        else:
            total += 1
            mine[person] = mine.get(person, 0) + 1
    return refused


def _refusal(kind: str, limit: int, caps: Caps) -> QuotaExceeded:
    return QuotaExceeded(kind, limit=limit, wait_s=caps.retry_s)


async def _unfinished(session: AsyncSession, people: set[str]) -> tuple[int, dict[str, int]]:
    """Everyone's unfinished tickets, and those of each of ``people``, in one round trip."""
    everyone = select(literal(True), literal(""), func.count()).where(UNFINISHED)
    theirs = (
        select(literal(False), Ticket.requester_id, func.count())
        .where(UNFINISHED, Ticket.requester_id.in_(sorted(people)))
        .group_by(Ticket.requester_id)
    )
    total, mine = 0, {}
    for is_total, person, count in (await session.execute(union_all(everyone, theirs))).all():
        if is_total:
            total = int(count)
        else:
            mine[str(person)] = int(count)
    return total, mine


async def _not_recorded(
    session: AsyncSession, requests: Sequence[NewRequest]
) -> list[NewRequest]:
    keys = [r.dedupe_key for r in requests]
    found = await session.execute(select(Ticket.dedupe_key).where(Ticket.dedupe_key.in_(keys)))
    known = set(found.scalars())
    return [r for r in requests if r.dedupe_key not in known]
