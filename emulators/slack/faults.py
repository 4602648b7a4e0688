"""Fault injection for Web API methods: rate limits, errors and latency."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class _Budget:
    """How long a fault lasts: a number of calls, a duration, or forever (both None)."""

    times: int | None
    until: float | None

    def consume(self) -> bool:
        """True when the fault applies to this call (and uses one of its calls up)."""
        if self.until is not None and time.monotonic() >= self.until:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True


def _budget(times: int | None, duration: float | None) -> _Budget:
    until = time.monotonic() + duration if duration is not None else None
    return _Budget(times, until)


@dataclass
class RateLimit:
    retry_after: int
    budget: _Budget


@dataclass
class Failure:
    error: str
    budget: _Budget


@dataclass
class Decision:
    """What to do with one call: the delay, then a 429 or an error, or nothing."""

    delay_s: float = 0.0
    retry_after: int | None = None
    error: str | None = None


class FaultPlan:
    """Per-method faults. Method "*" matches every Web API method.

    >>> faults.rate_limit("chat.postMessage", times=2, retry_after=1)
    >>> faults.fail("users.info", "internal_error")            # forever
    >>> faults.latency("chat.update", 0.5)
    """

    def __init__(self) -> None:
        self._rate_limits: dict[str, list[RateLimit]] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._latency: dict[str, float] = {}

    def rate_limit(
        self,
        method: str,
        *,
        times: int | None = 1,
        duration: float | None = None,
        retry_after: int = 1,
    ) -> None:
        """Answer `method` with 429 + Retry-After for `times` calls (None: no count limit)
        and/or for `duration` seconds."""
        self._rate_limits.setdefault(method, []).append(
            RateLimit(retry_after, _budget(times, duration))
        )

    def fail(
        self, method: str, error: str, *, times: int | None = None, duration: float | None = None
    ) -> None:
        """Answer `method` with `{"ok": false, "error": error}` (HTTP 200)."""
        self._failures.setdefault(method, []).append(Failure(error, _budget(times, duration)))

    def latency(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds` (0 removes it)."""
        self._latency[method] = seconds

    def clear(self, method: str | None = None) -> None:
        for table in (self._rate_limits, self._failures, self._latency):
            if method is None:
                table.clear()
            else:
                table.pop(method, None)

    def decide(self, method: str) -> Decision:
        decision = Decision(delay_s=self._latency.get(method, self._latency.get("*", 0.0)))
        for key in (method, "*"):
            for limit in self._rate_limits.get(key, []):
                if limit.budget.consume():
                    decision.retry_after = limit.retry_after
                    return decision
        for key in (method, "*"):
            for failure in self._failures.get(key, []):
                if failure.budget.consume():
                    decision.error = failure.error
                    return decision
        return decision
