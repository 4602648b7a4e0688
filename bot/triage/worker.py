"""Runs the pipeline in the background: new tickets at once, unfinished ones on a timer.

Bounded: at most ``concurrency`` tickets move at once (the model itself answers one at a
time). A ticket already moving in this process is never started twice; across processes the
pipeline's lease on each ticket, and its compare-and-set writes, keep two workers from doubling
a step. A crashed process's leases simply expire (``pipeline.lease_ttl_s``), after which the
resumer here picks its tickets up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.db.tickets import TicketLog
from bot.errors import StorageError
from bot.settings import PipelineSettings
from bot.triage.pipeline import TicketPipeline

log = logging.getLogger(__name__)

FORGET_INTERVAL_S = 60.0  # how often old response URLs are cleared


class TicketWorker:
    def __init__(
        self,
        pipeline: TicketPipeline,
        tickets: TicketLog,
        settings: PipelineSettings,
    ) -> None:
        self._pipeline = pipeline
        self._tickets = tickets
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._resumer: asyncio.Task[None] | None = None
        self._accepting = True
        #: Run after each pipeline run (the composition root sets the publisher's ``publish``,
        #: so what filing enqueued, e.g. ``bot.db.sources``, is done at once, not at the loop).
        self.after_run: Callable[[int], Awaitable[None]] | None = None

    @property
    def backlog(self) -> int:
        """Tickets started or waiting in this process."""
        return len(self._in_flight)

    def submit(self, ticket_id: int) -> bool:
        """Start moving the ticket unless it is already moving or we are shutting down."""
        if not self._accepting or ticket_id in self._in_flight:
            return False
        task = asyncio.create_task(self._run(ticket_id), name=f"ticket-{ticket_id}")
        self._in_flight[ticket_id] = task
        task.add_done_callback(lambda _: self._in_flight.pop(ticket_id, None))
        return True

    async def _run(self, ticket_id: int) -> None:
        async with self._slots:
            try:
                await self._pipeline.run(ticket_id)
            except Exception:  # the pipeline records its own errors; this is the last net
                log.exception("ticket %s: pipeline crashed", ticket_id, extra={"ticket": ticket_id})
        if self.after_run is not None:  # outside the slot: copying files must not hold it
            await self.after_run(ticket_id)  # the publisher's publish never raises

    def start(self) -> None:
        log.info("worker %s started; its leases name it", self._pipeline.owner)
        self._resumer = asyncio.create_task(self._resume_forever(), name="ticket-resumer")

    async def resume_unfinished(self) -> int:
        """Submit every ticket left mid-way whose retry time has come; return how many."""
        started = 0
        for ticket in await self._tickets.unfinished(limit=self._settings.concurrency * 20):
            started += self.submit(ticket.id)
        if started:
            log.info("resumed %s unfinished ticket(s)", started)
        return started

    async def _resume_forever(self) -> None:
        forget_at = 0.0
        while True:
            try:
                await self.resume_unfinished()
            except Exception:
                log.exception("could not look for unfinished tickets")
            if asyncio.get_running_loop().time() >= forget_at:
                forget_at = asyncio.get_running_loop().time() + FORGET_INTERVAL_S
                await self._forget_response_urls()
            await asyncio.sleep(self._settings.resume_interval_s)

    async def _forget_response_urls(self) -> None:
        """Slack's response URLs are useless after 30 minutes: none is kept longer."""
        try:
            await self._tickets.forget_response_urls()
        except StorageError as exc:
            log.warning("could not clear old response URLs: %s", exc)

    async def stop(self, deadline: float | None = None) -> None:
        """Stop taking work; in-flight tickets get until ``deadline`` (the event loop's clock;
        default ``pipeline.shutdown_grace_s`` from now) to reach a saved state, then are
        cancelled (each resumes from its last saved step at the next start)."""
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + self._settings.shutdown_grace_s
        self._accepting = False
        if self._resumer is not None:
            self._resumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resumer
        pending = list(self._in_flight.values())
        if not pending:
            return
        wait_s = max(0.0, deadline - loop.time())
        log.info("waiting up to %.1fs for %s ticket(s)", wait_s, len(pending))
        _, unfinished = await asyncio.wait(pending, timeout=wait_s)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
            log.warning(
                "%s ticket(s) stopped mid-way; they resume at the next start", len(unfinished)
            )
