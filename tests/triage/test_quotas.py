"""Quotas: the token buckets (on a hand-moved clock), and intake within them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import messages
from bot.db.admission import Caps
from bot.db.leases import Leases
from bot.db.tickets import TicketLog
from bot.errors import QuotaExceeded, StorageError
from bot.settings import PipelineSettings, QuotaSettings
from bot.settings_loader import load_settings
from bot.tickets import NewRequest, TicketSource
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.quotas import PRUNE_ABOVE, Quotas, TokenBuckets
from bot.triage.worker import TicketWorker
from tests.triage.fakes import FakeChat, FakeClassifier, FakeTracker, filing


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_one_per_interval() -> None:
    clock = Clock()
    buckets = TokenBuckets(10, 600, clock)
    assert [buckets.take("U1") for _ in range(10)] == [0.0] * 10
    assert buckets.take("U1") == pytest.approx(60)  # one token every 600 / 10 s
    clock.now += 45
    assert buckets.take("U1") == pytest.approx(15)
    clock.now += 15
    assert buckets.take("U1") == 0.0
    assert buckets.take("U1") == pytest.approx(60)


def test_people_have_their_own_buckets() -> None:
    buckets = TokenBuckets(2, 60, Clock())
    assert buckets.take("U1") == buckets.take("U1") == 0.0
    assert buckets.take("U1") > 0
    assert buckets.take("U2") == 0.0


def test_a_refused_take_uses_nothing_and_a_full_bucket_stays_full() -> None:
    clock = Clock()
    buckets = TokenBuckets(1, 60, clock)
    buckets.take("U1")
    for _ in range(100):  # hammering while empty does not push the next token further away
        assert buckets.take("U1") == pytest.approx(60)
    clock.now += 10_000  # a long pause refills to the capacity, not beyond
    assert buckets.take("U1") == 0.0
    assert buckets.take("U1") > 0


def test_a_token_given_back_can_be_used_again_up_to_the_capacity() -> None:
    buckets = TokenBuckets(1, 60, Clock())
    buckets.take("U1")
    buckets.give_back("U1")
    assert buckets.wait_s("U1") == 0.0
    buckets.give_back("U1")
    assert buckets.take("U1") == 0.0 and buckets.take("U1") > 0


def test_full_buckets_are_forgotten_so_memory_follows_recent_users() -> None:
    clock = Clock()
    buckets = TokenBuckets(1, 1, clock)
    for n in range(PRUNE_ABOVE):
        buckets.take(f"U{n}")
    clock.now += 5  # everyone's bucket is full again
    buckets.take("Unew")
    buckets.take("Unewer")
    assert len(buckets._levels) <= 2


def test_quotas_from_settings_and_switched_off() -> None:
    quotas = Quotas.from_settings(QuotaSettings())
    assert quotas.tickets is not None and (quotas.tickets.capacity, quotas.tickets.window_s) == (
        10,
        600,
    )
    assert quotas.status is not None and quotas.status.capacity == 30
    assert quotas.caps == Caps(per_requester=20, total=1000, retry_s=300)
    off = Quotas.from_settings(
        QuotaSettings(
            tickets=None, status_lookups=None, unfinished_per_requester=None, unfinished_total=None
        )
    )
    for _ in range(1000):
        off.take_ticket("U1")
        off.take_status("U1")
    assert not off.caps.active


def test_the_shipped_config_states_the_defaults_and_empty_switches_one_off(
    tmp_path: Path,
) -> None:
    assert load_settings({}).quotas == QuotaSettings()
    config = tmp_path / "config.yml"
    config.write_text("quotas:\n  tickets:\n  status_lookups: 5\n", encoding="utf-8")
    quotas = load_settings({"TICKETBOT_CONFIG": str(config)}).quotas
    assert (quotas.tickets, quotas.status_lookups, quotas.unfinished_total) == (None, 5, 1000)


def test_refusals_read_plainly() -> None:
    quotas = Quotas.from_settings(QuotaSettings(tickets=2, status_lookups=1), Clock())
    quotas.take_ticket("U1")
    quotas.take_ticket("U1")
    with pytest.raises(QuotaExceeded) as ticket_refusal:
        quotas.take_ticket("U1")
    assert messages.over_quota(ticket_refusal.value) == (
        "You have reached the limit of 2 tickets per 10 minutes, so I did not file this one. "
        "You can file another in about 5 minutes."
    )
    quotas.take_status("U1")
    with pytest.raises(QuotaExceeded) as status_refusal:
        quotas.take_status("U1")
    assert messages.over_quota(status_refusal.value) == (
        "You have reached the limit of 1 status lookups per minute. "
        "Please try again in about 1 minute."
    )
    busy = QuotaExceeded("busy", limit=1000, wait_s=300)
    assert "busy" in messages.over_quota(busy) and "about 5 minutes" in messages.over_quota(busy)


# --- intake within the quotas --------------------------------------------------------------


@pytest.fixture
async def worker(ticket_log: TicketLog, leases: Leases) -> AsyncIterator[TicketWorker]:
    settings = PipelineSettings()
    pipeline = TicketPipeline(
        ticket_log, leases, FakeClassifier(), FakeTracker(), filing(), FakeChat(), settings
    )
    worker = TicketWorker(pipeline, ticket_log, settings)
    yield worker
    await worker.stop()


def request(key: str, user: str = "U1") -> NewRequest:
    return NewRequest(key, TicketSource.SLASH_COMMAND, "C1", user, f"ticket {key}")

async def dedupe_keys(ticket_log: TicketLog) -> set[str]:
    return {ticket.dedupe_key for ticket in await ticket_log.listing(limit=1000)}



def intake(ticket_log: TicketLog, worker: TicketWorker, **settings: int | None) -> Intake:
    quotas = Quotas.from_settings(QuotaSettings(**settings), Clock())
    return Intake(ticket_log, worker, 8, quotas)


async def test_over_the_ticket_quota_nothing_is_recorded(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    taking = intake(ticket_log, worker, tickets=3)
    for n in range(3):
        assert (await taking.receive(request(f"k{n}"))).created
    with pytest.raises(QuotaExceeded) as refused:
        await taking.receive(request("k3"))
    assert refused.value.kind == "tickets"
    assert "k3" not in await dedupe_keys(ticket_log)
    assert (await taking.receive(request("k4", user="U2"))).created  # others go on


async def test_a_redelivery_after_the_bucket_ran_dry_gets_its_ticket(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    taking = intake(ticket_log, worker, tickets=1)
    first = await taking.receive(request("k1"))
    again = await taking.receive(request("k1"))
    assert not again.created and again.ticket.id == first.ticket.id


async def test_a_redelivery_while_the_first_is_still_being_recorded_gets_its_ticket(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    gate = asyncio.Event()

    class Slow(TicketLog):
        async def record_requests(self, requests, caps=None):  # type: ignore[no-untyped-def]
            await gate.wait()
            return await super().record_requests(requests, caps)

    quotas = Quotas.from_settings(QuotaSettings(tickets=1), Clock())
    taking = Intake(Slow(ticket_log._sessions), worker, 8, quotas)
    first = asyncio.create_task(taking.receive(request("k1")))
    await asyncio.sleep(0.01)  # its token is taken; it waits for the log
    again = asyncio.create_task(taking.receive(request("k1")))  # Slack's redelivery
    await asyncio.sleep(0.01)
    gate.set()
    receipts = [await first, await again]
    assert [r.created for r in receipts] == [True, False]
    assert receipts[0].ticket.id == receipts[1].ticket.id


async def test_a_redelivery_after_the_first_was_cancelled_is_refused_not_left_waiting(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    gate = asyncio.Event()

    class Stuck(TicketLog):
        async def record_requests(self, requests, caps=None):  # type: ignore[no-untyped-def]
            await gate.wait()
            return await super().record_requests(requests, caps)

    quotas = Quotas.from_settings(QuotaSettings(tickets=1), Clock())
    taking = Intake(Stuck(ticket_log._sessions), worker, 8, quotas)
    first = asyncio.create_task(taking.receive(request("k1")))
    await asyncio.sleep(0.01)
    first.cancel()  # a shutdown while the log is slow
    await asyncio.gather(first, return_exceptions=True)
    with pytest.raises(QuotaExceeded):
        await asyncio.wait_for(taking.receive(request("k1")), timeout=5)
    gate.set()  # the write already queued still lands: the request was taken before the stop
    for _ in range(200):
        if "k1" in await dedupe_keys(ticket_log):
            break
        await asyncio.sleep(0.01)
    assert "k1" in await dedupe_keys(ticket_log)


async def test_redeliveries_cost_no_token(ticket_log: TicketLog, worker: TicketWorker) -> None:
    taking = intake(ticket_log, worker, tickets=2)
    await taking.receive(request("k1"))
    await asyncio.gather(*(taking.receive(request("k1")) for _ in range(5)))
    assert (await taking.receive(request("k2"))).created


async def test_a_request_the_log_cannot_store_costs_no_token(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    class Down(TicketLog):
        async def record_requests(self, requests, caps=None):  # type: ignore[no-untyped-def]
            raise StorageError("cannot record requests: OperationalError")

    taking = Intake(Down(ticket_log._sessions), worker, 8, Quotas.from_settings(
        QuotaSettings(tickets=1), Clock()
    ))
    for _ in range(3):
        with pytest.raises(StorageError):
            await taking.receive(request("k1"))
    assert taking.quotas.tickets is not None and taking.quotas.tickets.wait_s("U1") == 0.0


async def test_the_unfinished_cap_refuses_and_gives_the_token_back(
    ticket_log: TicketLog, worker: TicketWorker
) -> None:
    await worker.stop()  # takes nothing further: every ticket stays unfinished
    taking = intake(ticket_log, worker, tickets=5, unfinished_per_requester=2)
    await taking.receive(request("k1"))
    await taking.receive(request("k2"))
    with pytest.raises(QuotaExceeded) as refused:
        await taking.receive(request("k3"))
    assert (refused.value.kind, refused.value.limit, refused.value.wait_s) == ("unfinished", 2, 300)
    assert "k3" not in await dedupe_keys(ticket_log)
    assert taking.quotas.tickets is not None and taking.quotas.tickets.wait_s("U1") == 0.0
