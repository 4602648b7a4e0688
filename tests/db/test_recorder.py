from __future__ import annotations

import asyncio

import pytest

from bot.db.recorder import GroupCommitRecorder
from bot.db.tickets import TicketLog
from bot.errors import StorageError
from bot.tickets import NewRequest, TicketSource


def request(key: str) -> NewRequest:
    return NewRequest(key, TicketSource.SLASH_COMMAND, "C1", "U1", f"text of {key}")


class CountingLog(TicketLog):
    def __init__(self, inner: TicketLog) -> None:
        super().__init__(inner._sessions)
        self.batches: list[int] = []

    async def record_requests(self, requests, caps=None):  # type: ignore[no-untyped-def]
        self.batches.append(len(requests))
        return await super().record_requests(requests, caps)


async def test_a_burst_is_written_in_few_transactions_each_once(ticket_log: TicketLog) -> None:
    counting = CountingLog(ticket_log)
    recorder = GroupCommitRecorder(counting, max_batch=50)
    keys = [f"k{n}" for n in range(120)] + ["k1", "k2"]  # two redeliveries in the same burst
    results = await asyncio.gather(*(recorder.record(request(k)) for k in keys))
    assert sum(created for _, created in results) == 120
    assert len({ticket.id for ticket, _ in results}) == 120
    assert results[-1][0].id == results[2][0].id and not results[-1][1]
    assert len(counting.batches) <= 4 and max(counting.batches) <= 50
    events = await ticket_log.events(results[0][0].id)
    assert [e.event for e in events] == ["received"]


async def test_a_redelivery_in_a_later_batch_finds_the_first_row(ticket_log: TicketLog) -> None:
    recorder = GroupCommitRecorder(ticket_log)
    first, created = await recorder.record(request("a"))
    again, created_again = await recorder.record(request("a"))
    assert created and not created_again and again.id == first.id


async def test_a_failed_write_fails_its_waiters_only(ticket_log: TicketLog) -> None:
    class Broken(TicketLog):
        calls = 0

        async def record_requests(self, requests, caps=None):  # type: ignore[no-untyped-def]
            Broken.calls += 1
            if Broken.calls == 1:
                raise StorageError("disk full")
            return await ticket_log.record_requests(requests, caps)

    recorder = GroupCommitRecorder(Broken(ticket_log._sessions))
    with pytest.raises(StorageError):
        await recorder.record(request("x"))
    ticket, created = await recorder.record(request("y"))
    assert created and ticket.text == "text of y"
