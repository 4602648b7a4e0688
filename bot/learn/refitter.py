"""``Refitter``: one background thread that runs the memory's refits, one at a time.

``request()`` asks for a refit and returns a ticket; requests made while one runs are merged
into the next run (a burst of new examples costs one more refit, not one each). ``wait(ticket)``
blocks until a run that began after that request has finished. A failed run is logged and
counts as finished: the previous model keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Refitter:
    def __init__(self, work: Callable[[], object], name: str = "memory-refit") -> None:
        self._work = work
        self._name = name
        self._changed = threading.Condition()
        self._wanted = 0
        self._finished = 0
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._running

    def request(self) -> int:
        with self._changed:
            self._wanted += 1
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify_all()
            return self._wanted

    def wait(self, ticket: int | None = None, timeout: float | None = None) -> bool:
        """Block until the refit asked for by ``ticket`` (default: the latest) has run."""
        with self._changed:
            target = self._wanted if ticket is None else ticket
            return self._changed.wait_for(lambda: self._finished >= target or self._closed,
                                          timeout)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._wanted > self._finished or self._closed)
                if self._closed:
                    return
                target, self._running = self._wanted, True
            try:
                self._work()
            except Exception:  # the previous model keeps serving
                log.exception("memory: a background refit failed; the previous model serves on")
            finally:
                with self._changed:
                    self._finished, self._running = target, False
                    self._changed.notify_all()
