"""``WarmUps``: blocking loads (an encoder, a model) run on worker threads at start-up.

Each runs once, on its own worker thread, when ``start`` is called (after Socket Mode is
connected), so nothing waits for it; a failure is logged and the thing loads on first use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class WarmUps:
    def __init__(self) -> None:
        self._work: list[Callable[[], object]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def add(self, work: Callable[[], object]) -> None:
        self._work.append(work)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(_warm(work), name="warm-up") for work in self._work]

    async def wait(self) -> None:
        await asyncio.gather(*self._tasks)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


async def _warm(work: Callable[[], object]) -> None:
    started = time.perf_counter()
    name = getattr(work, "__qualname__", repr(work))
    try:
        await asyncio.to_thread(work)
    except Exception as exc:  # a warm-up is an optimisation: the first use loads (or reports)
        log.warning("warm-up %s failed (%s); it loads on first use instead", name, exc)
        return
    log.info("warm-up %s done in %.2fs", name, time.perf_counter() - started)
