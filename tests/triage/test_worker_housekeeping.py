"""The worker's housekeeping: response URLs older than 30 minutes are cleared as it starts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.leases import Leases
from bot.db.models import Ticket, utcnow
from bot.db.tickets import TicketLog
from bot.settings import PipelineSettings
from bot.tickets import NewRequest, TicketSource, TicketState
from bot.triage.pipeline import TicketPipeline
from bot.triage.worker import TicketWorker
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing


async def test_the_worker_clears_response_urls_left_from_old_requests(
    ticket_log: TicketLog, leases: Leases, engine: AsyncEngine
) -> None:
    request = NewRequest("k1", TicketSource.SLASH_COMMAND, "C1", "U1", "old",
                         response_url="https://hooks.slack.com/commands/T1/1/x")
    ticket, _ = await ticket_log.record_request(request)
    async with engine.begin() as connection:  # failed long ago: nothing would clear it now
        await connection.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(created_at=utcnow() - timedelta(hours=2), state=TicketState.FAILED)
        )
    settings = PipelineSettings()
    pipeline = TicketPipeline(ticket_log, leases, FakeClassifier(), FakeTracker(), filing(),
                              FakeChat(), settings)
    worker = TicketWorker(pipeline, ticket_log, settings)
    worker.start()
    try:
        for _ in range(100):
            found = await ticket_log.get(ticket.id)
            if found is not None and found.response_url is None:
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    assert found is not None and found.response_url is None
