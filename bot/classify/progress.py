"""A progress line for long evaluations: on stderr, at most every few seconds, with an ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO

INTERVAL_S = 10.0


class Progress:
    """``tick(correct)`` after each ticket; prints ``done/total, accuracy so far, time left``."""

    def __init__(self, total: int, what: str = "eval", *, stream: TextIO | None = None,
                 interval_s: float = INTERVAL_S) -> None:
        self.total, self.done, self.correct = total, 0, 0
        self._what = what
        self._stream = stream
        self._interval = interval_s
        self._started = self._shown = time.monotonic()

    def tick(self, correct: bool) -> None:
        self.done += 1
        self.correct += correct
        now = time.monotonic()
        if now - self._shown >= self._interval and self.done < self.total:
            self._shown = now
            self._write(self.line(now))

    def line(self, now: float | None = None) -> str:
        spent = (now if now is not None else time.monotonic()) - self._started
        per_ticket = spent / max(self.done, 1)
        left = per_ticket * (self.total - self.done)
        return (f"{self._what}: {self.done}/{self.total} tickets, accuracy so far "
                f"{self.correct / max(self.done, 1):.3f}, {per_ticket:.2f} s/ticket, "
                f"about {_duration(left)} left")

    def _write(self, line: str) -> None:
        stream = self._stream or sys.stderr
        print(line, file=stream, flush=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
