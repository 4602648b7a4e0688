"""Reminders: a ticket still waiting for a decision ``sync.reminder_after_s`` after it was
posted gets one reply in its thread that mentions its approvers.

Exactly once: the reminder is an outbox task with the key ``ticket:<id>:reminder`` (unique),
enqueued by whichever replica looks first and run by the publisher, which claims each task
once. The wait is measured from the ``posted`` event of the ticket log; with
``sync.working_hours`` (``HH:MM-HH:MM``, UTC, Monday to Friday) reminders go out only then,
so one due on a Saturday is sent on Monday morning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta

from bot import messages
from bot.db.outbox import NewTask, Outbox
from bot.db.sync import SyncStore
from bot.errors import TicketbotError
from bot.settings_sync import WORKING_HOURS, SyncSettings

log = logging.getLogger(__name__)

REMINDER_KEY = "ticket:{id}:reminder"
THREAD_REPLY = "thread_reply"


def in_working_hours(hours: str | None, now: datetime) -> bool:
    """Whether ``now`` (UTC) is inside ``HH:MM-HH:MM`` on a weekday; always with no hours."""
    if hours is None:
        return True
    match = WORKING_HOURS.fullmatch(hours)
    if match is None or now.weekday() >= 5:
        return match is None
    start = time(int(match.group(1)), int(match.group(2)))
    end_h, end_m = int(match.group(3)), int(match.group(4))
    moment = now.time()
    return start <= moment and (end_h == 24 or moment < time(end_h, end_m))


class Reminders:
    def __init__(
        self,
        store: SyncStore,
        outbox: Outbox,
        publish: Callable[[int], Awaitable[None]],
        approvers: Sequence[str],
        settings: SyncSettings,
    ) -> None:
        self._store, self._outbox, self._publish = store, outbox, publish
        self._approvers = list(approvers)
        self._settings = settings
        self._loop: asyncio.Task[None] | None = None

    async def remind_due(self) -> list[int]:
        """Enqueue and send the reminders that are due now; the tickets reminded."""
        after = self._settings.reminder_after_s
        if after is None or not self._approvers:
            return []
        now = await self._store.clock.now()
        if not in_working_hours(self._settings.working_hours, now):
            return []
        due = await self._store.waiting_since(now - timedelta(seconds=after), REMINDER_KEY)
        if not due:
            return []
        mentions = " ".join(f"<@{user}>" for user in self._approvers)
        text = messages.REMINDER.format(approvers=mentions, waited=messages.duration(after))
        await self._outbox.add(
            [NewTask(t.id, REMINDER_KEY.format(id=t.id), THREAD_REPLY, {"text": text}) for t in due]
        )
        for ticket in due:
            log.info("ticket %s: reminding the approvers", ticket.id)
            await self._publish(ticket.id)
        return [t.id for t in due]

    def start(self) -> None:
        if self._settings.reminder_after_s is not None and self._approvers:
            self._loop = asyncio.create_task(self._forever(), name="reminders")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def _forever(self) -> None:
        while True:
            try:
                await self.remind_due()
            except TicketbotError as exc:
                log.warning("reminders: could not look for waiting tickets: %s", exc)
            except Exception:
                log.exception("reminders: could not look for waiting tickets")
            await asyncio.sleep(self._settings.reminder_check_s)
