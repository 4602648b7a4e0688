"""Who is in a Slack conversation (``conversations.members``), paged and cached briefly.

Only the visibility rule (``bot.triage.visibility``) asks. A list is reused for ``ttl_s``
(``status.members_cache_s``, 60 s by default): someone added to a channel sees its tickets
within that time, someone removed stops seeing them within that time. Lookups of one channel
at the same time share one fetch, and at most ``CACHED_CHANNELS`` lists are kept.

A conversation the bot may not list (it is not in it, a scope is missing) has no members the
bot can vouch for: an empty set, cached like any other answer. Slack being down or
rate-limiting raises ``ChatUnavailable`` and is not cached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from bot.errors import ChatError, ChatUnavailable

log = logging.getLogger(__name__)

MEMBERS_PAGE = 200  # ids a page (Slack allows 1000 and advises 200)
MEMBERS_PAGES = 100  # read at most: 20,000 members; past that, the rest are not vouched for
CACHED_CHANNELS = 1000

#: One page: ``(channel, cursor) -> (member ids, next cursor or None)``; raises ChatError.
PageFetch = Callable[[str, str | None], Awaitable[tuple[Sequence[str], str | None]]]


class ChannelMembers:
    def __init__(
        self, fetch_page: PageFetch, *, ttl_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_page = fetch_page
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, frozenset[str]]] = OrderedDict()
        self._fetches: dict[str, asyncio.Task[frozenset[str]]] = {}

    async def of(self, channel: str) -> frozenset[str]:
        """The member ids of ``channel`` (see the module docstring)."""
        cached = self._cache.get(channel)
        if cached is not None and self._clock() < cached[0]:
            return cached[1]
        fetch = self._fetches.get(channel)
        if fetch is None:
            fetch = asyncio.create_task(self._fetch(channel), name=f"members-{channel}")
            self._fetches[channel] = fetch
            fetch.add_done_callback(lambda done: self._forget(channel, done))
        # Shielded: one asker cancelled (a shutdown, a timeout) leaves the fetch to the others.
        return await asyncio.shield(fetch)

    def _forget(self, channel: str, done: asyncio.Task[frozenset[str]]) -> None:
        if self._fetches.get(channel) is done:
            del self._fetches[channel]
        if not done.cancelled():
            done.exception()  # retrieved, even when every asker has gone

    async def _fetch(self, channel: str) -> frozenset[str]:
        try:
            members = await self._all_pages(channel)
        except ChatUnavailable:
            raise
        except ChatError as exc:
            log.info("cannot list the members of %s (%s): none vouched for", channel, exc.code)
            members = frozenset()
        self._cache[channel] = (self._clock() + self._ttl_s, members)
        self._cache.move_to_end(channel)
        while len(self._cache) > CACHED_CHANNELS:
            self._cache.popitem(last=False)
        return members

    async def _all_pages(self, channel: str) -> frozenset[str]:
        found: set[str] = set()
        cursor: str | None = None
        for _ in range(MEMBERS_PAGES):
            ids, cursor = await self._fetch_page(channel, cursor)
            found.update(ids)
            if not cursor:
                return frozenset(found)
        log.warning(
            "%s has more than %s members; only those are vouched for", channel, len(found)
        )
        return frozenset(found)
