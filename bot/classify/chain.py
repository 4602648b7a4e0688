"""The classifier chain: backends in order, each with a timeout, retries and a circuit breaker.

A ticket never fails here: when every backend is down or refuses, the result is the configured
default label with confidence 0, ``backend="fallback"`` and ``needs_triage=True``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from bot import metrics
from bot.classify.breaker import CircuitBreaker
from bot.classify.retry import BackendRetry
from bot.classify.types import Backend, BackendAnswer, Classification, Example
from bot.errors import BackendUnavailable, ClassificationError
from bot.labels import Label
from bot.retry import OnRetry

log = logging.getLogger(__name__)

FALLBACK = "fallback"


class ClassifierChain:
    """Try each backend in order; see the module docstring for the guarantees."""

    def __init__(
        self,
        backends: Sequence[Backend],
        *,
        default_label: Label,
        timeout_s: float,
        retry: BackendRetry | None = None,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backends = list(backends)
        self.default_label = default_label
        self.timeout_s = timeout_s
        self.retry = retry or BackendRetry()
        self.breakers = {
            b.name: CircuitBreaker(b.name, failures=breaker_failures,
                                   cooldown_s=breaker_cooldown_s, clock=clock)
            for b in self.backends
        }
        self.calls: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self._sleep = sleep

    @property
    def model_calls(self) -> int:
        """Attempts made against any backend (retries included)."""
        return sum(self.calls.values())

    def start(self) -> None:
        """Begin background work (the llama model load) so the first ticket waits less."""
        for backend in self.backends:
            backend.start()

    async def classify(
        self, text: str, examples: Sequence[Example] = (), *, ticket_id: str = "-"
    ) -> Classification:
        """Label ``text`` with the first backend that answers; never raises for backend failures.

        ``ticket_id`` only appears in log lines.
        """
        started = time.perf_counter()
        for backend in self.backends:
            answer = await self._try_backend(backend, text, examples, ticket_id)
            if answer is not None:
                log.info("classify ticket=%s: %s %.2f by %s", ticket_id, answer.label,
                         answer.confidence, backend.name)
                return _result(answer, backend.name, started)
        log.warning("classify ticket=%s: all backends failed; fallback %s, needs triage",
                    ticket_id, self.default_label)
        return Classification(self.default_label, 0.0, FALLBACK, _elapsed_ms(started),
                              probabilities={}, needs_triage=True)

    async def _try_backend(
        self, backend: Backend, text: str, examples: Sequence[Example], ticket_id: str
    ) -> BackendAnswer | None:
        breaker = self.breakers[backend.name]
        if not breaker.allow():
            log.info("classify ticket=%s: backend %s skipped (breaker %s)", ticket_id,
                     backend.name, breaker.state)
            return None
        try:
            answer = await self._with_retries(backend, text, examples, ticket_id)
        except ClassificationError as exc:
            log.warning("classify ticket=%s: backend %s failed: %s", ticket_id, backend.name, exc)
        except Exception:
            log.exception("classify ticket=%s: backend %s raised unexpectedly", ticket_id,
                          backend.name)
        else:
            breaker.record_success()
            return answer
        breaker.record_failure()
        return None

    async def _with_retries(
        self, backend: Backend, text: str, examples: Sequence[Example], ticket_id: str
    ) -> BackendAnswer:
        return await self.retry.run(
            lambda: self._attempt(backend, text, examples),
            on_retry=self._log_retry(backend.name, ticket_id),
            sleep=self._sleep,
        )

    async def _attempt(
        self, backend: Backend, text: str, examples: Sequence[Example]
    ) -> BackendAnswer:
        self.calls[backend.name] += 1
        started, outcome = time.perf_counter(), "error"
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await backend.classify(text, examples)
            outcome = "ok"
            return answer
        except TimeoutError:
            outcome = "timeout"
            raise BackendUnavailable(f"no answer within {self.timeout_s:g}s",
                                     backend=backend.name) from None
        finally:
            metrics.CLASSIFIER_CALLS.labels(backend=backend.name, outcome=outcome).inc()
            metrics.CLASSIFIER_LATENCY.labels(backend=backend.name).observe(
                time.perf_counter() - started
            )

    def _log_retry(self, name: str, ticket_id: str) -> OnRetry:
        def on_retry(attempt: int, error: BaseException | None, wait: float) -> None:
            self.retries[name] += 1
            log.info("classify ticket=%s: backend %s attempt %d failed (%s); retry in %.2fs",
                     ticket_id, name, attempt, error, wait)
        return on_retry

    async def aclose(self) -> None:
        """Close every backend; one failing to close does not stop the others."""
        for backend in self.backends:
            try:
                await backend.aclose()
            except Exception:
                log.exception("classify: closing backend %s failed", backend.name)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _result(answer: BackendAnswer, backend: str, started: float) -> Classification:
    return Classification(
        label=answer.label,
        confidence=answer.confidence,
        backend=backend,
        latency_ms=_elapsed_ms(started),
        probabilities=dict(answer.probabilities),
        model_probabilities=dict(answer.probabilities),
    )
