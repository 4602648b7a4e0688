"""``JiraRetry``: how one call to Jira is retried (the loop itself is ``bot.retry``).

Exponential backoff with full jitter, or Jira's ``Retry-After`` plus up to 10 % when that is
longer. Only transient errors are retried (``TrackerUnavailable``: 429, 502-504, timeouts,
connection errors); a call that is not idempotent only on 429 / 503, when Jira did nothing. A
``Retry-After`` longer than ``max_retry_after_s`` stops retrying at once (the pipeline resumes
the ticket later) instead of blocking.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from tenacity.wait import wait_random_exponential

from bot.errors import TrackerUnavailable
from bot.retry import is_transient, retry_call

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JiraRetry:
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 60.0

    async def run(
        self, call: Callable[[], Awaitable[T]], *, what: str, idempotent: bool = True
    ) -> T:
        """Await ``call()`` until it succeeds, fails for good, or this policy gives up.

        ``what`` names the call in log lines.
        """
        return await retry_call(
            call,
            attempts=self.max_attempts,
            backoff=wait_random_exponential(multiplier=self.backoff_base_s, max=self.backoff_max_s),
            max_retry_after_s=self.max_retry_after_s,
            retry_after_jitter=0.1,
            retryable=is_transient if idempotent else jira_did_nothing,
            on_retry=partial(_log_retry, what),
        )


def jira_did_nothing(error: BaseException) -> bool:
    """Jira refused the call before acting on it (429 / 503): safe to send again."""
    return isinstance(error, TrackerUnavailable) and error.status in (429, 503)


def _log_retry(what: str, attempt: int, error: BaseException | None, wait: float) -> None:
    log.warning("jira %s: attempt %d failed (%s); retrying in %.1fs", what, attempt, error, wait)
