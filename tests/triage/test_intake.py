from __future__ import annotations

import asyncio

from bot.db.leases import Leases
from bot.db.tickets import TicketLog
from bot.settings import PipelineSettings
from bot.tickets import NewRequest, TicketSource
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.worker import TicketWorker
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing


class SlowClassifier(FakeClassifier):
    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def classify(self, text, examples=(), *, ticket_id="-"):  # type: ignore[no-untyped-def]
        await self.release.wait()
        return await super().classify(text, examples)


def request(n: int) -> NewRequest:
    return NewRequest(f"k{n}", TicketSource.SLASH_COMMAND, "C1", "U1", f"ticket {n}")


async def test_backlog_beyond_concurrency_is_reported_as_queued(
    ticket_log: TicketLog, leases: Leases
) -> None:
    settings = PipelineSettings(concurrency=2)
    classifier = SlowClassifier()
    pipeline = TicketPipeline(
        ticket_log, leases, classifier, FakeTracker(), filing(), FakeChat(), settings
    )
    worker = TicketWorker(pipeline, ticket_log, settings)
    intake = Intake(ticket_log, worker, settings.concurrency)
    receipts = [await intake.receive(request(n)) for n in range(5)]
    assert [intake.queued_behind(r) for r in receipts] == [0, 0, 1, 2, 3]
    again = await intake.receive(request(0))
    assert not again.created and again.ticket.id == receipts[0].ticket.id
    classifier.release.set()
    await worker.stop()
    assert classifier.calls == 5


async def test_nul_bytes_are_dropped_before_storing(ticket_log: TicketLog, leases: Leases) -> None:
    settings = PipelineSettings()
    pipeline = TicketPipeline(
        ticket_log, leases, FakeClassifier(), FakeTracker(), filing(), FakeChat(), settings
    )
    worker = TicketWorker(pipeline, ticket_log, settings)
    receipt = await Intake(ticket_log, worker, 1).receive(
        NewRequest("k", TicketSource.SLASH_COMMAND, "C1", "U1", "bad\x00byte")
    )
    await worker.stop()
    assert receipt.ticket.text == "badbyte"
