"""The Prometheus metrics, defined once: the modules that see an event import these and update
them; ``bot.metrics_http`` serves them (opt-in, ``metrics.enabled``).

Values that live elsewhere (tickets by state in the ticket log, the worker's backlog, the
learning memory's size, each breaker's state) are gauges set just before each scrape by the
composition root's ``refresh``, never kept up to date by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
BREAKER_STATES = ("closed", "open", "half_open")
_QUICK = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_SLOW = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

TICKETS = Gauge(
    "ticketbot_tickets", "Tickets in the ticket log, by state", ["state"], registry=REGISTRY
)
ACKS = Counter("ticketbot_acks", "Slack requests acknowledged", registry=REGISTRY)
ACK_LATENCY = Histogram(
    "ticketbot_ack_latency_seconds",
    "From the request reaching the Bolt app to its ack (Slack allows 3 s)",
    buckets=_QUICK,
    registry=REGISTRY,
)
POSTED_LATENCY = Histogram(
    "ticketbot_request_to_posted_seconds",
    "From a request being recorded to its ticket message being posted in Slack",
    buckets=_SLOW,
    registry=REGISTRY,
)
CLASSIFIER_CALLS = Counter(
    "ticketbot_classifier_calls",
    "Calls to a classifier backend (retries included), by outcome",
    ["backend", "outcome"],
    registry=REGISTRY,
)
CLASSIFIER_LATENCY = Histogram(
    "ticketbot_classifier_latency_seconds",
    "One classifier backend call",
    ["backend"],
    buckets=_SLOW,
    registry=REGISTRY,
)
BREAKER = Gauge(
    "ticketbot_breaker_state",
    "1 for the current state of each classifier backend's circuit breaker",
    ["backend", "state"],
    registry=REGISTRY,
)
JIRA_ERRORS = Counter(
    "ticketbot_jira_errors", "Jira errors, by kind", ["kind"], registry=REGISTRY
)
SLACK_ERRORS = Counter(
    "ticketbot_slack_errors", "Slack Web API errors, by kind", ["kind"], registry=REGISTRY
)
QUEUE_DEPTH = Gauge(
    "ticketbot_queue_depth", "Tickets moving or waiting in this process's worker",
    registry=REGISTRY,
)
MEMORY_SIZE = Gauge(
    "ticketbot_memory_examples", "Confirmed examples in the learning memory", registry=REGISTRY
)


def set_ticket_counts(counts: Mapping[str, int], states: Iterable[str]) -> None:
    """Every state gets a value, 0 included, so a state that empties does not vanish."""
    for state in states:
        TICKETS.labels(state=state).set(counts.get(state, 0))


def set_breaker(backend: str, state: str) -> None:
    for each in BREAKER_STATES:
        BREAKER.labels(backend=backend, state=each).set(1 if each == state else 0)
