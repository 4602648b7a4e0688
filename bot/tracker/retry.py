"""Our one retry policy for Jira: exponential backoff with jitter, honouring ``Retry-After``.

Only ``TrackerUnavailable`` is retried. A ``Retry-After`` longer than ``max_retry_after_s``
stops retrying at once (the caller's worker resumes the ticket later) instead of blocking.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_random_exponential

from bot.errors import TrackerUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 60.0


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, TrackerUnavailable)


def is_retryable_unsent(exc: BaseException) -> bool:
    """For calls that are not idempotent: retry only when Jira said it did nothing (429/503)."""
    return isinstance(exc, TrackerUnavailable) and exc.status in (429, 503)


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    what: str,
    retryable: Callable[[BaseException], bool] = is_retryable,
) -> T:
    """Await ``call()`` until it succeeds, fails for good, or the policy gives up (re-raised)."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | _RetryAfterTooLong(policy),
        wait=_Wait(policy),
        retry=retry_if_exception(retryable),
        before_sleep=lambda state: _log_retry(state, what),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last error")


def _retry_after(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return getattr(exc, "retry_after", None)


class _Wait(wait_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_random_exponential(
            multiplier=policy.backoff_base_s, max=policy.backoff_max_s
        )

    def __call__(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        server = _retry_after(state)
        if server is None:
            return backoff
        return max(server + random.uniform(0, 0.1 * server), backoff)


class _RetryAfterTooLong(stop_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self._limit = policy.max_retry_after_s

    def __call__(self, state: RetryCallState) -> bool:
        wait = _retry_after(state)
        return wait is not None and wait > self._limit


def _log_retry(state: RetryCallState, what: str) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    attempt = state.attempt_number
    log.warning("jira %s: attempt %d failed (%s); retrying in %.1fs", what, attempt, exc, wait)
