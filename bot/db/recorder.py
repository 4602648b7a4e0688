"""Group commit for incoming requests: one transaction for all that arrive together.

Each request is acknowledged only after it is committed to the ticket log, so a burst would
otherwise queue up behind one insert per request. Here the first request starts a write;
every request that arrives while it is running goes into the next single transaction. The
caps on unfinished tickets (``bot.db.admission``) are checked in that same transaction.
"""

from __future__ import annotations

import asyncio
import logging

from bot.db.admission import Caps
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import QuotaExceeded
from bot.tickets import NewRequest

log = logging.getLogger(__name__)

MAX_BATCH = 100

Pending = tuple[NewRequest, "asyncio.Future[tuple[Ticket, bool]]"]


class GroupCommitRecorder:
    def __init__(
        self, tickets: TicketLog, max_batch: int = MAX_BATCH, caps: Caps | None = None
    ) -> None:
        self._tickets = tickets
        self._caps = caps
        self._max_batch = max_batch
        self._pending: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, request: NewRequest) -> tuple[Ticket, bool]:
        """``(ticket, created)`` once the request is committed; StorageError if it cannot be,
        QuotaExceeded (nothing recorded) if it is new and over one of the ``caps``."""
        future: asyncio.Future[tuple[Ticket, bool]] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="ticket-recorder")
        return await future

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # let requests already being handled join the first batch
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            await self._write(batch)

    async def _write(self, batch: list[Pending]) -> None:
        try:
            requests = [request for request, _ in batch]
            results = await self._tickets.record_requests(requests, self._caps)
        except Exception as exc:  # every waiter gets the error; the next batch tries afresh
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, QuotaExceeded):
                future.set_exception(result)
            else:
                future.set_result(result)
        if len(batch) > 1:
            log.debug("recorded %s requests in one transaction", len(batch))
