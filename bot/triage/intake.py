"""Take a request in: record it once in the ticket log, then hand it to the worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.db.models import Ticket
from bot.db.recorder import GroupCommitRecorder
from bot.db.tickets import TicketLog
from bot.tickets import NewRequest
from bot.triage.worker import TicketWorker

log = logging.getLogger(__name__)


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
    def __init__(self, tickets: TicketLog, worker: TicketWorker, concurrency: int) -> None:
        self._recorder = GroupCommitRecorder(tickets)
        self._worker = worker
        self._concurrency = concurrency

    async def receive(self, request: NewRequest) -> Receipt:
        """Record the request (StorageError if the log is down) and start processing it."""
        request = _storable(request)
        ahead = self._worker.backlog
        ticket, created = await self._recorder.record(request)
        if created:
            self._worker.submit(ticket.id)
        return Receipt(ticket=ticket, created=created, ahead=ahead)

    def queued_behind(self, receipt: Receipt) -> int:
        """How many tickets are ahead of this one beyond what is processed at once (0 = none)."""
        return max(0, receipt.ahead - self._concurrency + 1)
