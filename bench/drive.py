"""Driving the emulated Slack: a warm-up command, a burst, and waiting for the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import services, tally, workload
from bench.apps import App
from bench.stats import summary


@dataclass
class BurstRun:
    app: str
    numbers: list[int]
    envelopes: dict[int, str]
    latencies_s: dict[int, float]
    started: float

    def summary(self) -> dict[str, float | None]:
        return summary(list(self.latencies_s.values()), total=len(self.numbers))


async def warm_up(s: services.Services, number: int, follow: bool) -> None:
    """One command first, so one-off start-up work (auth.test, first queries) is not timed."""
    [envelope] = (await workload.burst(s.slack, [number], s.channels)).values()
    await s.slack.wait_for_ack(envelope, timeout=30)
    if follow:
        await s.slack.wait_for(lambda: tally.message_counts(s.slack, s.channels)[number] > 0,
                               timeout=30, what="the warm-up ticket")


async def burst(s: services.Services, app: App, numbers: Sequence[int], wait_s: float) -> BurstRun:
    """Send one command per number at once; wait up to ``wait_s`` for their acks."""
    started = time.monotonic()
    envelopes = await workload.burst(s.slack, numbers, s.channels)
    with contextlib.suppress(TimeoutError):
        await s.slack.wait_for(lambda: all(s.slack.ack_for(e) for e in envelopes.values()),
                               timeout=max(0.0, started + wait_s - time.monotonic()))
    latencies = {}
    for number, envelope in envelopes.items():
        ack = s.slack.ack_for(envelope)
        if ack is not None and ack.latency_s is not None:
            latencies[number] = ack.latency_s
    return BurstRun(app.name, list(numbers), envelopes, latencies, started)


async def until_done(s: services.Services, run: BurstRun, timeout: float,  # noqa: ASYNC109
                     stall_s: float = 30.0) -> dict[str, float | None]:
    """Seconds from the burst until every request has a Jira issue, and a channel message.

    None when that did not happen within ``timeout``, or when nothing new was posted for
    ``stall_s`` (a stuck app is reported, not waited on).
    """
    filed = posted = None
    deadline = run.started + timeout
    progress_at, seen = time.monotonic(), -1
    while posted is None and time.monotonic() < min(deadline, progress_at + stall_s):
        now = time.monotonic() - run.started
        messages = tally.message_counts(s.slack, s.channels)
        if filed is None and all(tally.jira_counts(s.jira)[n] for n in run.numbers):
            filed = now
        count = sum(1 for n in run.numbers if messages[n])
        if count == len(run.numbers):
            posted = now
        elif count > seen:
            progress_at, seen = time.monotonic(), count
        await asyncio.sleep(0.2)
    return {"all_filed_s": filed, "all_posted_s": posted}
