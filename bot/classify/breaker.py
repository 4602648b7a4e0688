"""A small circuit breaker: after N failures in a row, skip a backend for a while, then probe."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

log = logging.getLogger(__name__)

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed → (``failures`` in a row) → open → (``cooldown_s`` later) → half-open → one probe.

    A success in any state closes the breaker; a failed probe opens it again for a full cool-down.
    """

    def __init__(
        self,
        name: str,
        *,
        failures: int,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._threshold = failures
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """True when a call may go through; in half-open only one probe at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probing:
            self._probing = True
            log.info("breaker %s half-open: probing", self.name)
            return True
        return False

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.info("breaker %s closed after a successful probe", self.name)
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            if self._opened_at is None or self._probing:
                log.warning("breaker %s open for %.0fs after %d failures",
                            self.name, self._cooldown_s, self._failures)
            self._opened_at = self._clock()
        self._probing = False
