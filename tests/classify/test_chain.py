"""The chain: order, retries, breaker, all-down fallback; scripted backends, a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.classify.chain import FALLBACK, ClassifierChain
from bot.classify.retry import BackendRetry
from bot.classify.types import BackendAnswer, Example
from bot.errors import BackendRejected, BackendUnavailable
from tests.classify.conftest import ScriptedBackend


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _chain(*backends: ScriptedBackend, clock: Clock | None = None, attempts: int = 3,
           slept: list[float] | None = None, timeout_s: float = 5.0) -> ClassifierChain:
    async def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)

    return ClassifierChain(list(backends), default_label="Question", timeout_s=timeout_s,
                           retry=BackendRetry(max_attempts=attempts, initial_s=0.5, jitter_s=0.1),
                           breaker_failures=2, breaker_cooldown_s=60, sleep=sleep,
                           clock=clock or Clock())


async def test_first_backend_answers() -> None:
    first, second = ScriptedBackend("llama", ["Bug"]), ScriptedBackend("openai", ["Task"])
    result = await _chain(first, second).classify("x")
    assert (result.label, result.backend, result.needs_triage) == ("Bug", "llama", False)
    assert second.calls == 0
    assert result.latency_ms >= 0


async def test_terminal_error_moves_on_without_retry() -> None:
    first = ScriptedBackend("llama", [BackendRejected("bad model")])
    second = ScriptedBackend("openai", ["Task"])
    chain = _chain(first, second)
    result = await chain.classify("x")
    assert (result.label, result.backend) == ("Task", "openai")
    assert first.calls == 1 and chain.retries["llama"] == 0


async def test_transient_errors_are_retried_with_backoff() -> None:
    slept: list[float] = []
    flaky = ScriptedBackend("openai", [BackendUnavailable("503"), BackendUnavailable("503"), "Bug"])
    chain = _chain(flaky, slept=slept)
    result = await chain.classify("x")
    assert result.label == "Bug"
    assert flaky.calls == 3 and chain.retries["openai"] == 2 and chain.model_calls == 3
    assert 0.5 <= slept[0] <= 0.6 and 1.0 <= slept[1] <= 1.1  # exponential, with jitter


async def test_retry_after_is_honoured() -> None:
    slept: list[float] = []
    limited = ScriptedBackend("openai", [BackendUnavailable("429", retry_after=12), "Bug"])
    assert (await _chain(limited, slept=slept).classify("x")).label == "Bug"
    assert slept == [12.0]


async def test_retry_after_beyond_the_cap_moves_to_the_next_backend() -> None:
    slept: list[float] = []
    limited = ScriptedBackend("openai", [BackendUnavailable("429", retry_after=999), "Bug"])
    backup = ScriptedBackend("kobold", ["Task"])
    result = await _chain(limited, backup, slept=slept).classify("x", ticket_id="T1")
    assert (result.backend, limited.calls, slept) == ("kobold", 1, [])


async def test_exhausted_retries_fall_through_to_next_backend() -> None:
    down = ScriptedBackend("kobold", [BackendUnavailable("down")])
    backup = ScriptedBackend("openai", ["Incident"])
    chain = _chain(down, backup, attempts=2)
    result = await chain.classify("x")
    assert result.backend == "openai" and down.calls == 2


async def test_all_down_gives_default_label_for_triage() -> None:
    chain = _chain(ScriptedBackend("llama", [BackendRejected("no model")]),
                   ScriptedBackend("openai", [BackendUnavailable("down")]), attempts=2)
    result = await chain.classify("x")
    assert (result.label, result.confidence, result.backend) == ("Question", 0.0, FALLBACK)
    assert result.needs_triage and result.probabilities == {}


async def test_unexpected_exception_never_fails_the_ticket() -> None:
    result = await _chain(ScriptedBackend("llama", [RuntimeError("boom")])).classify("x")
    assert result.backend == FALLBACK


class SlowBackend(ScriptedBackend):
    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        self.calls += 1
        await asyncio.sleep(10)
        raise AssertionError("not reached")


async def test_per_backend_timeout_is_transient() -> None:
    slow = SlowBackend("openai", ["Bug"])
    chain = _chain(slow, ScriptedBackend("kobold", ["Task"]), attempts=2, timeout_s=0.05)
    result = await chain.classify("x")
    assert result.backend == "kobold" and slow.calls == 2


async def test_breaker_opens_then_probes_and_closes() -> None:
    clock = Clock()
    flaky = ScriptedBackend("llama", [BackendRejected("x"), BackendRejected("x"),
                                      BackendRejected("x"), "Bug"])
    backup = ScriptedBackend("openai", ["Task"])
    chain = _chain(flaky, backup, clock=clock)
    for _ in range(2):
        await chain.classify("x")
    assert chain.breakers["llama"].state == "open"
    assert (await chain.classify("x")).backend == "openai"
    assert flaky.calls == 2  # skipped while open
    clock.now += 61
    assert chain.breakers["llama"].state == "half_open"  # type: ignore[comparison-overlap]
    assert (await chain.classify("x")).backend == "openai"  # failed probe
    assert flaky.calls == 3 and chain.breakers["llama"].state == "open"
    clock.now += 61
    assert (await chain.classify("x")).backend == "llama"  # successful probe
    assert chain.breakers["llama"].state == "closed"


async def test_examples_reach_the_backend_and_aclose_closes_all() -> None:
    class Recorder(ScriptedBackend):
        seen: Sequence[Example] = ()

        async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
            self.seen = examples
            return await super().classify(text, examples)

    first, second = Recorder("llama", ["Bug"]), ScriptedBackend("openai", ["Bug"])
    chain = _chain(first, second)
    await chain.classify("x", [("printer jammed", "Task")])
    assert first.seen == [("printer jammed", "Task")]
    await chain.aclose()
    assert first.closed and second.closed
