"""Quotas: how much one person, and everyone together, may ask of the bot (``quotas:``).

- ``/ticket`` (the slash command and the form) and ``/ticket_status``: a token bucket per
  person each (``TokenBuckets``): a burst of ``capacity``, then one more every
  ``window_s / capacity`` seconds. Kept in this process's memory: each replica has its own (N
  replicas allow N times the rate), and a restart refills them.
- Unfinished tickets per requester and in total: counted in the ticket log, in the transaction
  that records the request (``bot.db.admission``), so every replica shares them.

A refused request raises ``QuotaExceeded`` before anything is recorded. A ticket token taken
for a request that then is not recorded (a redelivery, a cap, the log down) is given back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.db.admission import Caps
from bot.errors import QuotaExceeded
from bot.settings import QuotaSettings

Clock = Callable[[], float]
PRUNE_ABOVE = 1024  # people with a bucket before full (= forgotten) buckets are dropped


class TokenBuckets:
    """One token bucket per key (a Slack user id); a key never seen has a full bucket."""

    def __init__(self, capacity: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self.capacity = capacity
        self.window_s = window_s
        self._per_s = capacity / window_s
        self._clock = clock
        self._levels: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._prune_above = PRUNE_ABOVE

    def take(self, key: str) -> float:
        """Take a token: 0.0 when there was one, else the seconds until there is (none taken)."""
        now = self._clock()
        tokens = self._level(key, now)
        if tokens < 1:
            return (1 - tokens) / self._per_s
        self._levels[key] = (tokens - 1, now)
        self._prune(now)
        return 0.0

    def wait_s(self, key: str) -> float:
        """Seconds until ``key`` has a token (0.0: now); takes nothing."""
        tokens = self._level(key, self._clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self._per_s

    def give_back(self, key: str) -> None:
        """Return a token taken for something that did not happen."""
        now = self._clock()
        self._levels[key] = (min(self.capacity, self._level(key, now) + 1), now)

    def _level(self, key: str, now: float) -> float:
        tokens, when = self._levels.get(key, (self.capacity, now))
        return min(float(self.capacity), tokens + (now - when) * self._per_s)

    def _prune(self, now: float) -> None:
        """Drop full buckets (the same as none), so memory follows recent users only."""
        if len(self._levels) <= self._prune_above:
            return
        levels = self._levels.items()
        self._levels = {k: v for k, v in levels if self._level(k, now) < self.capacity}
        self._prune_above = max(PRUNE_ABOVE, 2 * len(self._levels))


@dataclass(frozen=True, slots=True)
class Quotas:
    """All quotas; ``Quotas()`` has none."""

    tickets: TokenBuckets | None = None
    status: TokenBuckets | None = None
    caps: Caps = field(default_factory=Caps)

    @classmethod
    def from_settings(cls, settings: QuotaSettings, clock: Clock = time.monotonic) -> Quotas:
        return cls(
            tickets=_buckets(settings.tickets, settings.tickets_window_s, clock),
            status=_buckets(settings.status_lookups, settings.status_window_s, clock),
            caps=Caps(
                per_requester=settings.unfinished_per_requester,
                total=settings.unfinished_total,
                retry_s=settings.busy_retry_s,
            ),
        )

    def take_ticket(self, user_id: str) -> None:
        """Use one of ``user_id``'s tickets; QuotaExceeded when none is left."""
        _take(self.tickets, "tickets", user_id)

    def give_back_ticket(self, user_id: str) -> None:
        if self.tickets is not None:
            self.tickets.give_back(user_id)

    def take_status(self, user_id: str) -> None:
        """Use one of ``user_id``'s status lookups; QuotaExceeded when none is left."""
        _take(self.status, "status", user_id)


def _buckets(capacity: int | None, window_s: float, clock: Clock) -> TokenBuckets | None:
    return None if capacity is None else TokenBuckets(capacity, window_s, clock)


def _take(buckets: TokenBuckets | None, kind: str, key: str) -> None:
    if buckets is None:
        return
    wait_s = buckets.take(key)
    if wait_s:
        raise _refusal(buckets, kind, wait_s)


def _refusal(buckets: TokenBuckets, kind: str, wait_s: float) -> QuotaExceeded:
    return QuotaExceeded(kind, limit=buckets.capacity, wait_s=wait_s, window_s=buckets.window_s)
