"""Fault injection for Web API methods: rate limits, errors, latency, and what can go wrong
after Slack has carried a call out (a stalled answer, a connection reset)."""

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


@dataclass
class Stall:
    seconds: float
    budget: _Budget


@dataclass
class AfterEffect:
    """What happens once a call has been carried out (a message stored): the answer is held
    for ``stall_s``, then sent, or the connection is cut without one (``reset``)."""

    stall_s: float = 0.0
    reset: bool = False


class FaultPlan:
    """Per-method faults. Method "*" matches every Web API method.

    >>> faults.rate_limit("chat.postMessage", times=2, retry_after=1)
    >>> faults.fail("users.info", "internal_error")            # forever
    >>> faults.latency("chat.update", 0.5)
    >>> faults.reset_after_success("chat.postMessage")          # stored, then no answer
    >>> faults.stall_after_success("chat.postMessage", 30)      # stored, answered 30 s later
    >>> faults.channel_post_rate(1.0, burst=3)                  # Slack's per-channel limit
    """

    def __init__(self) -> None:
        self._channel_rate: tuple[float, int] | None = None
        self._channel_levels: dict[str, tuple[float, float]] = {}  # channel -> (allowance, when)
        self._rate_limits: dict[str, list[RateLimit]] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._latency: dict[str, float] = {}
        self._resets: dict[str, list[_Budget]] = {}
        self._stalls: dict[str, list[Stall]] = {}

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

    def reset_after_success(
        self, method: str, *, times: int | None = 1, duration: float | None = None
    ) -> None:
        """Carry `method` out (the message is stored), then cut the connection without an
        answer, as Slack may: the caller cannot tell whether the call took effect."""
        self._resets.setdefault(method, []).append(_budget(times, duration))

    def stall_after_success(self, method: str, seconds: float, *, times: int | None = 1) -> None:
        """Carry `method` out (the message is stored), then hold the answer for `seconds`:
        time for a test to kill the caller between Slack's effect and the caller hearing of it."""
        self._stalls.setdefault(method, []).append(Stall(seconds, _budget(times, None)))

    def channel_post_rate(self, per_s: float | None = 1.0, *, burst: int = 3) -> None:
        """`chat.postMessage` into one conversation: `burst` at once, then `per_s` a second,
        as Slack allows ("1 message per second per channel, short bursts allowed"); beyond
        that 429 + Retry-After: 1. None switches it off."""
        self._channel_rate = None if per_s is None else (per_s, burst)
        self._channel_levels.clear()

    def channel_post(self, channel: str | None) -> int | None:
        """Retry-After for a post into `channel` beyond its rate (None: the post may go)."""
        if self._channel_rate is None or not channel:
            return None
        per_s, burst = self._channel_rate
        now = time.monotonic()
        allowance, when = self._channel_levels.get(channel, (float(burst), now))
        allowance = min(float(burst), allowance + (now - when) * per_s)
        if allowance < 1:
            self._channel_levels[channel] = (allowance, now)
            return 1
        self._channel_levels[channel] = (allowance - 1, now)
        return None

    def clear(self, method: str | None = None) -> None:
        if method in (None, "chat.postMessage"):
            self.channel_post_rate(None)
        tables = (self._rate_limits, self._failures, self._latency, self._resets, self._stalls)
        for table in tables:
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

    def after_success(self, method: str) -> AfterEffect:
        """What to do once `method` has been carried out (only successful calls use faults up)."""
        effect = AfterEffect()
        for key in (method, "*"):
            stall = next((s for s in self._stalls.get(key, []) if s.budget.consume()), None)
            if stall is not None:
                effect.stall_s = stall.seconds
                break
        for key in (method, "*"):
            if any(budget.consume() for budget in self._resets.get(key, [])):
                effect.reset = True
                break
        return effect
