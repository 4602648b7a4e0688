"""A background step repeated at a fixed interval until stopped: the publisher's, the thread
copier's and the reminders' loops. A failed round is logged (a ``TicketbotError`` as one line,
anything else with its traceback) and the next round comes as usual."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.errors import TicketbotError

log = logging.getLogger(__name__)


class Every:
    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], interval_s: float, failure: str
    ) -> None:
        """``failure``: what a failed round could not do, for the log line."""
        self._name, self._step, self._interval_s, self._failure = name, step, interval_s, failure
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forever(self) -> None:
        while True:
            try:
                await self._step()
            except TicketbotError as exc:
                log.warning("%s: %s", self._failure, exc)
            except Exception:
                log.exception("%s", self._failure)
            await asyncio.sleep(self._interval_s)
