"""``Rebuild``: the memory's background rebuild, tried again with a growing pause until it works.

A failed try is logged once (at ERROR, with what failed), and tried again after
``RELOAD_FIRST_S``, doubling up to ``RELOAD_MAX_S``; later failures are logged at DEBUG, the
success after them at INFO. ``settled()`` waits while a try is running and returns at once
during a pause, so a ticket waits for the try under way and never for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.errors import TicketbotError

log = logging.getLogger(__name__)

RELOAD_FIRST_S = 5.0
RELOAD_MAX_S = 120.0

Sleep = Callable[[float], Awaitable[None]]


class Rebuild:
    def __init__(self, load: Callable[[], Awaitable[object]], *,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._load = load
        self._sleep = sleep
        self._idle = asyncio.Event()  # set while no try is running
        self._task: asyncio.Task[None] | None = None
        self.done = False

    def start(self) -> None:
        """Start trying in the background (once; later calls do nothing)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="memory-rebuild")

    async def settled(self) -> bool:
        """Wait for a try under way (starting the first if needed); True once one succeeded."""
        if not self.done:
            self.start()
            await self._idle.wait()
        return self.done

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        pause, failures = RELOAD_FIRST_S, 0
        while not self.done:
            if failures:
                await self._sleep(pause)
                pause = min(pause * 2, RELOAD_MAX_S)
            self._idle.clear()
            try:
                await self._load()
                self.done = True
            except Exception as exc:  # the memory must never stop a ticket
                failures += 1
                _log_failure(exc, failures, pause)
            finally:
                self._idle.set()
        if failures:
            log.info("memory: rebuilt after %d failed attempt(s)", failures)


def _log_failure(exc: Exception, failures: int, pause: float) -> None:
    if failures > 1:
        log.debug("memory: rebuild attempt %d failed (%s); next in %.0f s", failures, exc, pause)
        return
    log.error("memory: could not be rebuilt at start-up: %s; the model chain classifies alone "
              "until it is (next attempt in %.0f s, then less often)", exc, pause,
              exc_info=not isinstance(exc, TicketbotError))
