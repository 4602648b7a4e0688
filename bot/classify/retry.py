"""``BackendRetry``: how one call to one classifier backend is retried (the loop is ``bot.retry``).

Transient errors (``BackendUnavailable``: timeouts, refused connections, 429, 5xx) are retried
after ``initial_s`` doubling up to ``max_backoff_s`` plus up to ``jitter_s``, or the server's
``Retry-After`` when that is longer. A ``Retry-After`` beyond ``max_retry_after_s`` is not
waited for: the chain moves on to the next backend instead of holding the ticket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity.wait import wait_exponential_jitter

from bot.retry import OnRetry, Sleep, retry_call

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BackendRetry:
    max_attempts: int = 3
    initial_s: float = 0.5
    max_backoff_s: float = 8.0
    jitter_s: float = 0.5
    max_retry_after_s: float = 30.0

    async def run(
        self, call: Callable[[], Awaitable[T]], *, on_retry: OnRetry, sleep: Sleep = asyncio.sleep
    ) -> T:
        """Await ``call()`` until it succeeds, fails for good, or this policy gives up."""
        return await retry_call(
            call,
            attempts=self.max_attempts,
            backoff=wait_exponential_jitter(
                multiplier=self.initial_s, max=self.max_backoff_s, jitter=self.jitter_s
            ),
            max_retry_after_s=self.max_retry_after_s,
            on_retry=on_retry,
            sleep=sleep,
        )
