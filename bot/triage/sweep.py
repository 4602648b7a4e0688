"""Issues deleted in Jira, or moved to a project the bot does not poll, found by a sweep.

Polling by ``updated`` never shows an issue that is gone. So every ``sync.sweep_interval_s``
the replica polling a project lists the keys of all this installation's issues there (keys
only: one request per 5,000 issues on Cloud) and compares them with the tickets filed into it
(older than the overlap, so search lag cannot hide a new one). A ticket whose issue is gone is
marked once (``jira_status``, a ``jira_issue_gone`` event, a thread reply, the living message)
and never looked for again. If more than half of a project's tickets (and more than ten)
seem gone at once, nothing is marked and a warning is logged: that is a lost permission or a
changed label, not a mass deletion.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot import messages
from bot.db.models import Ticket
from bot.db.outbox import NewTask
from bot.db.sync import SyncItem, SyncStore, TicketUpdate
from bot.triage.ports import ChangeFeed
from bot.triage.sync_plan import SHOW_MESSAGE, THREAD_REPLY

log = logging.getLogger(__name__)
SUSPICIOUS = 10


class IssueSweep:
    def __init__(
        self,
        store: SyncStore,
        feed: ChangeFeed,
        publish: Callable[[int], Awaitable[None]],
        *,
        labels: Sequence[str],
        settle: timedelta,
    ) -> None:
        self._store, self._feed, self._publish = store, feed, publish
        self._labels = list(labels)
        self._settle = settle

    async def sweep(self, project: str, owner: str, ttl: timedelta) -> list[int]:
        """Mark the tickets of ``project`` whose issue is gone; the tickets marked."""
        existing = await self._feed.existing_keys(project, self._labels)
        before = await self._store.clock.now() - self._settle
        filed = await self._store.filed_in(project, before, messages.JIRA_GONE_STATUS)
        gone = [t for t in filed if t.jira_key not in existing]
        if not gone:
            return []
        if len(gone) > max(SUSPICIOUS, len(filed) // 2):
            log.warning(
                "jira %s: %s of %s issues seem gone; not marking them (lost permission or labels?)",
                project,
                len(gone),
                len(filed),
            )
            return []
        items = [SyncItem(t.id, [f"{t.id}:gone:{t.jira_key}"], None) for t in gone]
        touched = await self._store.apply(project, owner, ttl, None, items, gone_plan)
        for ticket_id in touched:
            log.warning("ticket %s: its Jira issue is gone (deleted or moved away)", ticket_id)
            await self._publish(ticket_id)
        return touched


def gone_plan(ticket: Ticket, _: Any, new: frozenset[str]) -> TicketUpdate:
    out = TicketUpdate()
    if not new:
        return out
    out.values.update(jira_status=messages.JIRA_GONE_STATUS, jira_assignee=None)
    out.events.append(("jira_issue_gone", {"key": ticket.jira_key}))
    text = messages.JIRA_GONE.format(key=ticket.jira_key)
    out.tasks += [
        NewTask(ticket.id, f"ticket:{ticket.id}:jira-gone", SHOW_MESSAGE),
        NewTask(ticket.id, f"ticket:{ticket.id}:jira-gone-reply", THREAD_REPLY, {"text": text}),
    ]
    return out
