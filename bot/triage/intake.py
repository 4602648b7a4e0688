"""Take a request in: within the quotas (``bot.triage.quotas``), record it once in the ticket
log, then hand it to the worker."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace

from bot.db.models import Ticket
from bot.db.recorder import GroupCommitRecorder
from bot.db.tickets import TicketLog
from bot.errors import QuotaExceeded
from bot.tickets import NewRequest
from bot.triage.quotas import Quotas
from bot.triage.worker import TicketWorker

log = logging.getLogger(__name__)

REMEMBERED = 1000  # requests this process took, kept for their redeliveries


def _without_nul(text: str | None) -> str | None:
    return None if text is None else text.replace("\x00", "")


def _storable(request: NewRequest) -> NewRequest:
    """PostgreSQL text cannot hold NUL; nothing a person means is lost by dropping it."""
    return replace(
        request,
        text=_without_nul(request.text) or "",
        summary_override=_without_nul(request.summary_override),
        requester_name=_without_nul(request.requester_name),
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    ticket: Ticket
    created: bool  # False when this request was already received (a Slack redelivery)
    ahead: int  # tickets already moving or waiting in this process


class Intake:
    def __init__(
        self,
        tickets: TicketLog,
        worker: TicketWorker,
        concurrency: int,
        quotas: Quotas | None = None,
    ) -> None:
        self.quotas = quotas or Quotas()
        self._recorder = GroupCommitRecorder(tickets, caps=self.quotas.caps)
        self._worker = worker
        self._concurrency = concurrency
        self._refused: set[str] = set()  # people told they are over the ticket quota
        # The requests this process took lately (dedupe key -> its ticket, None if it was not
        # recorded), so that a redelivery finds its ticket after the bucket ran dry.
        self._taken: OrderedDict[str, asyncio.Future[Ticket | None]] = OrderedDict()

    async def receive(self, request: NewRequest) -> Receipt:
        """Record the request and start processing it. StorageError if the log is down;
        QuotaExceeded, recording nothing, when the requester or everyone is over a quota."""
        request = _storable(request)
        person = request.filed_by or request.requester_id  # who acted is charged
        try:
            self.quotas.take_ticket(person)
        except QuotaExceeded as refusal:
            return await self._if_taken(request, refusal)
        self._refused.discard(person)
        taken = self._take(request.dedupe_key)
        try:
            ahead = self._worker.backlog
            ticket, created = await self._recorder.record(request)
            _settle(taken, ticket)
        except Exception as exc:
            self.quotas.give_back_ticket(person)  # nothing recorded: it does not count
            if isinstance(exc, QuotaExceeded):
                log.info("request from %s refused: %s", person, exc)
            raise
        finally:
            _settle(taken, None)  # not recorded, or cancelled: no redelivery waits for ever
        if created:
            self._worker.submit(ticket.id)
        else:
            self.quotas.give_back_ticket(person)
        return Receipt(ticket=ticket, created=created, ahead=ahead)

    def _take(self, dedupe_key: str) -> asyncio.Future[Ticket | None]:
        taken = self._taken.get(dedupe_key)
        if taken is None or (taken.done() and taken.result() is None):
            taken = self._taken[dedupe_key] = asyncio.get_running_loop().create_future()
            if len(self._taken) > REMEMBERED:
                self._taken.popitem(last=False)
        return taken

    async def _if_taken(self, request: NewRequest, refusal: QuotaExceeded) -> Receipt:
        """A redelivery of a request this process took gets its ticket; anything else is
        refused. Asks nothing of the database, so a flood of refusals costs it nothing."""
        taken = self._taken.get(request.dedupe_key)
        ticket = None if taken is None else await asyncio.shield(taken)
        if ticket is None:
            person = request.filed_by or request.requester_id  # who acted is charged
            if person not in self._refused:  # once until they may file again, not per request
                self._refused.add(person)
                log.info("requests from %s refused: %s", person, refusal)
            raise refusal
        return Receipt(ticket=ticket, created=False, ahead=self._worker.backlog)

    def queued_behind(self, receipt: Receipt) -> int:
        """How many tickets are ahead of this one beyond what is processed at once (0 = none)."""
        return max(0, receipt.ahead - self._concurrency + 1)


def _settle(taken: asyncio.Future[Ticket | None], ticket: Ticket | None) -> None:
    if not taken.done():
        taken.set_result(ticket)
