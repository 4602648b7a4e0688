"""Background work started by listeners after ``ack()``: tracked, logged, awaited on shutdown.

A listener must never raise after acknowledging (bolt may then drop the ack and Slack
redelivers), so everything slow runs here, where errors are caught and logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(self._guard(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guard(work: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("background task %s failed", name)

    async def drain(self, *, deadline: float) -> None:
        """Wait for the running tasks until ``deadline`` (the event loop's clock), then cancel
        the rest and let them unwind."""
        if not self._tasks:
            return
        wait_s = max(0.0, deadline - asyncio.get_running_loop().time())
        _, pending = await asyncio.wait(set(self._tasks), timeout=wait_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
            log.warning("%s background task(s) cut short by the shutdown", len(pending))
