"""The Jira change feed: poll each project for this bot's changed issues, tell Slack once.

Every ``sync.interval_s`` (database-clock lease per project in ``jira_sync_cursors``, so of
several replicas one polls) one search asks Jira for the issues carrying this installation's
label updated since ``cursor − overlap_s`` (rounded down to the minute: JQL has no seconds),
oldest change first, changelog and comments included, page by page. Each page is recorded in
one transaction (``SyncStore.apply``): the change ids it shows for the first time become
outbox tasks (thread replies, the living message; ``bot.triage.sync_plan``), and the cursor
moves to the newest ``updated`` of the page, so a poll cut off by an outage resumes after the
last page recorded, and the overlap re-reads what search lag hid. With nothing new the cursor
still moves to ``poll start − overlap_s``, so a burst of changes leaves the window.

Failures back off: the interval doubled per failed poll up to ``backoff_max_s``, never less
than Jira's ``Retry-After``. The tasks run through the publisher (Slack's rate limits are
waited out there, one ticket's tasks in order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.db.installation import InstallationIdentity
from bot.db.leases import new_owner
from bot.db.models import Ticket
from bot.db.prefs import DM, NotifyPrefs
from bot.db.sync import SyncItem, SyncStore
from bot.errors import LeaseLost, TicketbotError, TransientError
from bot.settings_sync import SyncSettings
from bot.tracker.changes import IssueChange
from bot.tracker.keys import TICKET_LABEL_PREFIX, installation_label
from bot.triage.ports import ChangeFeed
from bot.triage.sweep import IssueSweep
from bot.triage.sync_plan import PlanContext, change_keys, plan

log = logging.getLogger(__name__)


class JiraSync:
    def __init__(
        self,
        store: SyncStore,
        feed: ChangeFeed,
        publish: Callable[[int], Awaitable[None]],
        *,
        installation: InstallationIdentity,
        labels: Sequence[str],
        projects: Sequence[str],
        settings: SyncSettings,
        owner: str | None = None,
        prefs: NotifyPrefs | None = None,
    ) -> None:
        self._store, self._feed, self._publish = store, feed, publish
        #: Called with the tickets a poll changed, once their notices are sent (the
        #: composition root refreshes the App Home tabs that show them).
        self.on_changed: Callable[[Sequence[Ticket]], Awaitable[None]] | None = None
        self._prefs = prefs
        self._installation = installation
        self._labels = [installation_label(installation.id), *labels]
        self._projects = sorted(set(projects))
        self._settings = settings
        self._owner = owner or new_owner()
        self._ttl = timedelta(seconds=settings.lease_ttl_s)
        self._overlap = timedelta(seconds=settings.overlap_s)
        self._label = re.compile(
            rf"{re.escape(TICKET_LABEL_PREFIX)}(?:{re.escape(installation.id)}-)?(\d+)"
        )
        self._loop: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()
        self.failures = 0
        self._sweep = IssueSweep(store, feed, publish, labels=self._labels, settle=self._overlap)
        self._swept_at: dict[str, float] = {}
        self._reread: set[str] = set()  # projects whose last poll's window is read again

    async def poll(self, project: str) -> int | None:
        """Poll ``project`` once; the pages read, or None when another replica polls it."""
        held, cursor = await self._store.claim(project, self._owner, self._ttl)
        if not held:
            return None
        started = await self._store.clock.now()
        newest = cursor or started
        since = _minute(newest - self._overlap)
        ctx = PlanContext(
            since,
            await self._feed.bot_account(),
            self._settings.comments,
            self._settings.comment_limit,
        )
        page: str | None = None
        pages, shifted = 0, False
        while True:
            found = await self._feed.changed_page(
                project, self._labels, since, page=page, size=self._settings.page_size
            )
            pages += 1
            shifted = shifted or any(issue.updated >= started for issue in found.issues)
            newest = max([newest, *(issue.updated for issue in found.issues)])
            await self._record(project, newest, found.issues, ctx)
            if found.next_page is None or found.next_page == page:
                break
            page = found.next_page
        if pages > 1 and shifted and project not in self._reread:
            # An issue changed while we paged: it moved to the end of the order, and the
            # pages after its old place shifted by one, so one issue may have been skipped.
            # Read the same window again next time (seen changes are not told twice).
            self._reread.add(project)
            await self._record(project, cursor or started, [], ctx)
            return pages
        self._reread.discard(project)
        if started - self._overlap > newest:
            await self._record(project, started - self._overlap, [], ctx)
        return pages

    async def _record(
        self, project: str, cursor: datetime, issues: Sequence[IssueChange], ctx: PlanContext
    ) -> None:
        ids = {issue.key: self._ticket_id(issue) for issue in issues}
        tickets = await self._store.tickets([i for i in ids.values() if i is not None])
        if self._prefs is not None and tickets:
            modes = await self._prefs.modes({t.requester_id for t in tickets.values()})
            ctx = replace(ctx, dm_users=frozenset(u for u, m in modes.items() if m == DM))
        items = [
            SyncItem(ticket.id, change_keys(ticket.id, issue, ctx), issue)
            for issue in issues
            if (ticket := tickets.get(ids[issue.key] or -1)) is not None and _shown(ticket)
        ]
        touched = await self._store.apply(
            project,
            self._owner,
            self._ttl,
            cursor,
            items,
            lambda ticket, issue, new: plan(ticket, issue, new, ctx, self._feed.browse_url),
        )
        if touched:
            log.info("jira %s: changes for tickets %s", project, ", ".join(map(str, touched)))
            changed = [tickets[i] for i in touched if i in tickets]
            task = asyncio.create_task(
                self._publish_all(touched, changed), name="jira-sync-publish"
            )
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    def _ticket_id(self, issue: IssueChange) -> int | None:
        for label in issue.labels:
            match = self._label.fullmatch(label)
            if match is None:
                continue
            ticket_id = int(match.group(1))
            legacy = not label.startswith(f"{TICKET_LABEL_PREFIX}{self._installation.id}-")
            if not legacy or self._installation.uses_legacy_label(ticket_id):
                return ticket_id
        return None

    async def _publish_all(self, ticket_ids: Sequence[int], changed: Sequence[Ticket]) -> None:
        for ticket_id in ticket_ids:
            await self._publish(ticket_id)
        if self.on_changed is not None and changed:
            try:
                await self.on_changed(changed)
            except Exception:  # a view not refreshed is not worth a lost poll
                log.exception("jira sync: could not refresh after changes")

    # ---- the loop -------------------------------------------------------------------------

    def start(self) -> None:
        if self._settings.enabled and self._projects:
            self._loop = asyncio.create_task(self._forever(), name="jira-sync")
            log.info(
                "jira sync: polling %s every %.0f s",
                ", ".join(self._projects),
                self._settings.interval_s,
            )

    async def stop(self) -> None:
        tasks = [t for t in (self._loop, *self._publishing) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for project in self._projects:
            with contextlib.suppress(TicketbotError):
                await self._store.release(project, self._owner)

    async def _forever(self) -> None:
        while True:
            wait = await self.poll_all()
            await asyncio.sleep(wait)

    async def poll_all(self) -> float:
        """Poll every project once; the seconds to wait before the next round."""
        try:
            for project in self._projects:
                if await self.poll(project) is not None:
                    await self._sweep_if_due(project)
        except LeaseLost as exc:
            log.info("jira sync: %s", exc)
        except TicketbotError as exc:
            self.failures += 1
            wait = self._backoff()
            if isinstance(exc, TransientError) and exc.retry_after:
                wait = max(wait, exc.retry_after)
            log.warning("jira sync: poll failed (%s); next try in %.0f s", exc, wait)
            return wait
        except Exception:
            self.failures += 1
            log.exception("jira sync: poll failed")
            return self._backoff()
        self.failures = 0
        return self._settings.interval_s

    async def _sweep_if_due(self, project: str) -> None:
        every = self._settings.sweep_interval_s
        now = asyncio.get_running_loop().time()
        last = self._swept_at.setdefault(project, now)  # the first sweep after one interval
        if every is None or now - last < every:
            return
        await self._sweep.sweep(project, self._owner, self._ttl)
        self._swept_at[project] = now

    def _backoff(self) -> float:
        doubled = self._settings.interval_s * 2.0 ** min(self.failures, 20)
        return float(min(self._settings.backoff_max_s, doubled))


def _shown(ticket: Ticket) -> bool:
    """Only tickets whose issue and message exist yet (the pipeline owns the others)."""
    return ticket.jira_key is not None and ticket.message_ts is not None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
