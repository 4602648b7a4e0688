from __future__ import annotations

from bot.classify.breaker import CircuitBreaker


def test_only_one_probe_at_a_time_when_half_open() -> None:
    now = [0.0]
    breaker = CircuitBreaker("x", failures=1, cooldown_s=10, clock=lambda: now[0])
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 10
    assert breaker.allow()
    assert not breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("x", failures=2, cooldown_s=10, clock=lambda: 0.0)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"
