"""The loop behind every per-service-call retry: ``JiraRetry`` and ``BackendRetry`` run through it.

A call is tried again while it raises a transient error (``isinstance(err, TransientError)``
unless the policy narrows it), ``attempts`` tries in all, after the policy's backoff or the
server's ``Retry-After``, whichever is longer. A ``Retry-After`` beyond ``max_retry_after_s``
is not waited for: the error goes up at once, for the caller's own fallback. When the
attempts run out the last error is raised.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from bot.errors import TransientError

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[int, BaseException | None, float], None]
"""Told before each wait: the attempt that failed (from 1), its error, the seconds to wait."""


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TransientError)


async def retry_call(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    backoff: wait_base,
    max_retry_after_s: float,
    on_retry: OnRetry,
    retry_after_jitter: float = 0.0,
    retryable: Callable[[BaseException], bool] = is_transient,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Await ``call()`` until it succeeds, fails for good, or the attempts run out.

    ``retry_after_jitter`` adds up to that fraction of a server's ``Retry-After`` to the wait.
    """
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts) | _RetryAfterBeyond(max_retry_after_s),
        wait=_AtLeastRetryAfter(backoff, retry_after_jitter),
        retry=retry_if_exception(retryable),
        sleep=sleep,
        before_sleep=lambda state: on_retry(state.attempt_number, _error(state), _wait(state)),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


class _AtLeastRetryAfter(wait_base):
    def __init__(self, backoff: wait_base, jitter: float) -> None:
        self._backoff = backoff
        self._jitter = jitter

    def __call__(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        server = _retry_after(state)
        if server is None or server <= 0:
            return backoff
        return max(server + random.uniform(0, self._jitter * server), backoff)


class _RetryAfterBeyond(stop_base):
    def __init__(self, limit_s: float) -> None:
        self._limit_s = limit_s

    def __call__(self, state: RetryCallState) -> bool:
        server = _retry_after(state)
        return server is not None and server > self._limit_s


def _error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


def _retry_after(state: RetryCallState) -> float | None:
    server = getattr(_error(state), "retry_after", None)
    return float(server) if isinstance(server, int | float) else None


def _wait(state: RetryCallState) -> float:
    return state.next_action.sleep if state.next_action else 0.0
