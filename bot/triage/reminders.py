"""Reminders: a ticket still waiting for a decision ``sync.reminder_after_s`` after it was
posted gets one reply in its thread that mentions its approvers.

Exactly once: the reminder is an outbox task with the key ``ticket:<id>:reminder`` (unique),
enqueued by whichever replica looks first and run by the publisher, which claims each task
once. The wait is measured from the ``posted`` event of the ticket log; with
``sync.working_hours`` (``HH:MM-HH:MM``, UTC, Monday to Friday) reminders go out only then,
so one due on a Saturday is sent on Monday morning.

The optional daily digest (``sync.digest_at``, ``HH:MM`` UTC; weekdays only with working
hours) sends each approver one direct message listing the tickets waiting for their decision
(a routed channel's tickets go to that route's approvers). It
is an outbox task keyed ``digest:<date>:<approver>``, so it goes once a day however many
replicas look; it rides on the oldest waiting ticket's task queue.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta

from bot import messages
from bot.db.models import Ticket
from bot.db.outbox import NewTask, Outbox
from bot.db.sync import SyncStore
from bot.loops import Every
from bot.settings_sync import WORKING_HOURS, SyncSettings
from bot.tracker.summary import make_summary
from bot.triage.sync_plan import escape

log = logging.getLogger(__name__)

REMINDER_KEY = "ticket:{id}:reminder"
THREAD_REPLY = "thread_reply"
DIRECT_MESSAGE = "direct_message"
DIGEST_LINES = 20
DIGEST_READ = 500  # waiting tickets read for one day's digests, oldest first


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


ApproversOf = Callable[[Ticket], Awaitable[Sequence[str]]]
"""Who may decide on a ticket: its channel's route's approvers, or the global ones."""


class Reminders:
    def __init__(
        self,
        store: SyncStore,
        outbox: Outbox,
        publish: Callable[[int], Awaitable[None]],
        approvers: Sequence[str],
        settings: SyncSettings,
        approvers_of: ApproversOf | None = None,
    ) -> None:
        """``approvers``: everyone who may decide anywhere (the global list and every route's),
        so the loop runs only when someone can be reminded; ``approvers_of`` narrows it to a
        ticket's own approvers (all of ``approvers`` without it)."""
        self._store, self._outbox, self._publish = store, outbox, publish
        self._approvers = list(approvers)
        self._approvers_of = approvers_of
        self._settings = settings
        self._loop = Every(
            "reminders", self._round, settings.reminder_check_s,
            "reminders: could not look for waiting tickets",
        )

    async def _deciders(self, ticket: Ticket) -> list[str]:
        if self._approvers_of is None:
            return self._approvers
        return list(await self._approvers_of(ticket))

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
        waited = messages.duration(after)
        tasks, reminded = [], []
        for ticket in due:
            deciders = await self._deciders(ticket)
            if not deciders:  # a route without approvers: nobody to remind
                continue
            mentions = " ".join(f"<@{user}>" for user in deciders)
            text = messages.REMINDER.format(approvers=mentions, waited=waited)
            tasks.append(NewTask(ticket.id, REMINDER_KEY.format(id=ticket.id), THREAD_REPLY,
                                 {"text": text}))
            reminded.append(ticket.id)
        if tasks:
            await self._outbox.add(tasks)
        for ticket_id in reminded:
            log.info("ticket %s: reminding the approvers", ticket_id)
            await self._publish(ticket_id)
        return reminded

    async def digest_due(self) -> bool:
        """Send today's digest if its time has come (once a day); whether one went out now."""
        at = self._settings.digest_at
        if at is None or not self._approvers:
            return False
        now = await self._store.clock.now()
        hour, minute = (int(part) for part in at.split(":"))
        weekend = self._settings.working_hours is not None and now.weekday() >= 5
        if weekend or now.time() < time(hour, minute):
            return False
        waiting = await self._store.waiting(limit=DIGEST_READ)
        per_approver: dict[str, list[Ticket]] = {}
        for ticket in waiting:
            for user in await self._deciders(ticket):
                per_approver.setdefault(user, []).append(ticket)
        if not per_approver:
            return False
        day = now.date().isoformat()
        first = waiting[0].id
        await self._outbox.add(
            [
                NewTask(first, f"digest:{day}:{user}", DIRECT_MESSAGE,
                        {"user": user, "text": digest_text(theirs[: DIGEST_LINES + 1])})
                for user, theirs in per_approver.items()
            ]
        )
        await self._publish(first)
        return True

    def start(self) -> None:
        if self._approvers and (
            self._settings.reminder_after_s is not None or self._settings.digest_at is not None
        ):
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _round(self) -> None:
        await self.remind_due()
        await self.digest_due()


def digest_text(waiting: Sequence[Ticket]) -> str:
    shown = waiting[:DIGEST_LINES]
    lines = [
        messages.DIGEST_LINE.format(
            url=t.jira_url or "",
            key=t.jira_key or f"#{t.id}",
            summary=escape(make_summary(t.summary_override or t.text, limit=80)),
        )
        for t in shown
    ]
    count = str(len(waiting))
    if len(waiting) > len(shown):  # only one more was read: "20+", "… and more"
        lines.append(messages.DIGEST_MORE)
        count = f"{len(shown)}+"
    return messages.DIGEST.format(count=count, lines="\n".join(lines))
