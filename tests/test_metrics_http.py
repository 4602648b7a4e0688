"""The opt-in health and metrics endpoint (``bot.metrics_http``) on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.metrics_http import MetricsServer
from bot.settings import Settings


class Probe:
    def __init__(self) -> None:
        self.problem: str | None = None
        self.refreshed = 0

    async def health(self) -> str | None:
        if self.problem == "raise":
            raise RuntimeError("boom")
        return self.problem

    async def refresh(self) -> None:
        self.refreshed += 1
        metrics.set_ticket_counts({"posted": 3}, ["received", "posted"])
        metrics.set_breaker("openai", "open")


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
async def server(probe: Probe) -> AsyncIterator[MetricsServer]:
    server = MetricsServer("127.0.0.1", 0, health=probe.health, refresh=probe.refresh)
    await server.start()
    yield server
    await server.aclose()


async def get(server: MetricsServer, path: str) -> tuple[int, str, str]:
    url = f"http://{server.host}:{server.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_off_by_default_and_bound_to_localhost() -> None:
    settings = Settings().metrics
    assert (settings.enabled, settings.host) == (False, "127.0.0.1")


async def test_healthz_is_200_when_healthy_and_503_with_the_reason(
    server: MetricsServer, probe: Probe
) -> None:
    assert (await get(server, "/healthz"))[0] == 200
    probe.problem = "not connected to Slack"
    status, _, body = await get(server, "/healthz")
    assert status == 503 and "not connected to Slack" in body
    probe.problem = "raise"
    status, _, body = await get(server, "/healthz")
    assert status == 503 and "RuntimeError" in body


async def test_metrics_refresh_then_serve_prometheus_text(
    server: MetricsServer, probe: Probe
) -> None:
    metrics.ACKS.inc()
    metrics.JIRA_ERRORS.labels(kind="TrackerUnavailable").inc()
    status, content_type, body = await get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    assert probe.refreshed == 1
    found = samples(body)
    assert found[("ticketbot_tickets", (("state", "posted"),))] == 3
    assert found[("ticketbot_tickets", (("state", "received"),))] == 0
    assert found[("ticketbot_breaker_state", (("backend", "openai"), ("state", "open")))] == 1
    assert found[("ticketbot_breaker_state", (("backend", "openai"), ("state", "closed")))] == 0
    assert found[("ticketbot_acks_total", ())] >= 1
    assert found[("ticketbot_jira_errors_total", (("kind", "TrackerUnavailable"),))] >= 1
    for name in ("ticketbot_ack_latency_seconds", "ticketbot_request_to_posted_seconds",
                 "ticketbot_classifier_latency_seconds", "ticketbot_queue_depth",
                 "ticketbot_memory_examples"):
        assert f"# TYPE {name} " in body, name


async def test_a_failing_refresh_still_serves_the_rest(server: MetricsServer, probe: Probe) -> None:
    async def broken() -> None:
        raise RuntimeError("database down")

    server._refresh = broken
    status, _, body = await get(server, "/metrics")
    assert status == 200 and "ticketbot_acks_total" in body


async def test_a_busy_port_is_an_error_at_start(server: MetricsServer, probe: Probe) -> None:
    other = MetricsServer("127.0.0.1", server.port, health=probe.health, refresh=probe.refresh)
    with pytest.raises(OSError):
        await other.start()
