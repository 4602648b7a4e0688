"""Two replicas on PostgreSQL where a Jira step takes longer than the lease (issue 14).

Two `python app.py` processes share one ticket log. The lease is 1.5 s; Jira's create takes
three times that, or the replica doing it freezes (SIGSTOP: a pause, a VM migration, a
throttled container) past its lease while the create is on its way and wakes up to a failure.
Jira's search is consistent here and ``jira.search_lag_s`` is 0, so the reconciliation of
unfinished creates (``bot.triage.filing``) does not wait: only the lease keeps the second
replica from filing again. Checked: one Jira issue and one Slack message per ticket, and
approved tickets stay approved, untouched by the late failure.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.tickets import TicketState
from emulators.jira import JiraEmulator, RecordedRequest
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import TEST_CONFIG, start_replicas
from tests.e2e.test_ticket_flow import file_ticket

LEASE_TTL_S = 1.5
T = TypeVar("T")


def replica_config(workdir: Path) -> Path:
    config = yaml.safe_load(TEST_CONFIG)
    config["pipeline"]["lease_ttl_s"] = LEASE_TTL_S
    config["jira"]["search_lag_s"] = 0
    path = workdir / "replicas.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def until(check: Callable[[], Awaitable[T | None]], timeout: float = 30) -> T:
    for _ in range(int(timeout / 0.05)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout}s")


def creates(jira: JiraEmulator) -> list[RecordedRequest]:
    return [r for r in jira.requests if (r.method, r.path) == ("POST", "/issue")]


async def approve(slack: SlackEmulator, log: TicketLog, ticket_id: int) -> Ticket:
    ticket = await until(lambda: in_state(log, ticket_id, TicketState.POSTED), timeout=60)
    assert ticket.message_ts is not None
    envelope = await slack.click_button("C1", ticket.message_ts, "ticket_approve", user="U2")
    await slack.wait_for_ack(envelope, timeout=15)  # redelivered if it went to a frozen replica
    return await until(lambda: in_state(log, ticket_id, TicketState.APPROVED))


def ended(replica: BotProcess, ticket_id: int) -> bool:
    """Whether the replica's pipeline has logged how its attempt at the ticket ended."""
    endings = ("lease was lost", "nothing recorded", "failed")
    return any(
        f"ticket {ticket_id}" in line and any(end in line for end in endings)
        for line in replica.log_lines
    )


async def in_state(log: TicketLog, ticket_id: int, state: TicketState) -> Ticket | None:
    ticket = await log.get(ticket_id)
    return ticket if ticket is not None and ticket.state is state else None


async def test_a_jira_step_longer_than_the_lease_files_once_and_fails_nothing(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    tmp_path: Path,
    shared_postgres: tuple[str, AsyncEngine],
) -> None:
    url, engine = shared_postgres
    env = {**bot_env, "DATABASE_URL": url, "TICKETBOT_CONFIG": str(replica_config(tmp_path))}
    replicas = await start_replicas(env, tmp_path)
    log = TicketLog(session_factory(engine))
    try:
        await slack.wait_for_connections(2, timeout=30)
        await slack.wait_for(lambda: slack.open_connections >= 2, timeout=30)

        # 1. The create outlasts the lease three times; the heartbeat keeps the lease.
        jira.slow(3 * LEASE_TTL_S, method="POST", path="/issue")
        await file_ticket(slack, "Laptop battery is swelling")
        await approve(slack, log, 1)
        await slack.wait_for(lambda: jira.issues["KAN-1"].get("comments"), timeout=15)

        # 2. The replica creating the issue freezes past its lease, then Jira answers 503 with a
        #    Retry-After too long to wait for: a failure that arrives after the ticket moved on.
        jira.fail(503, retry_after=120, delay_s=5, method="POST", path="/issue")
        await file_ticket(slack, "VPN drops every hour")
        await slack.wait_for(lambda: len(creates(jira)) == 2, timeout=60)
        owner = (await log.get(2)).lease_owner  # type: ignore[union-attr]
        [frozen] = [r for r in replicas if f"worker {owner} started" in r.log]
        os.kill(frozen.pid, signal.SIGSTOP)
        try:
            await approve(slack, log, 2)  # filed and posted by the other replica meanwhile
            late = creates(jira)[1]
            await slack.wait_for(lambda: late.status == 503, timeout=30)  # sent while frozen
        finally:
            os.kill(frozen.pid, signal.SIGCONT)
        await slack.wait_for(lambda: ended(frozen, 2), timeout=30)
        await asyncio.sleep(1)  # let any later write show itself
        tickets = sorted(await log.listing(limit=10), key=lambda t: t.id)
        events = {t.id: [e.event for e in await log.events(t.id)] for t in tickets}
    finally:
        codes = [await replica.stop() for replica in replicas]

    labels = Counter(
        label
        for issue in jira.issues.values()
        for label in issue["labels"]
        if label.startswith("ticketbot-") and not label.endswith("-all")  # one per ticket
    )
    assert len(jira.created_keys()) == 2 and set(labels.values()) == {1}, labels
    assert len(creates(jira)) == 3  # ticket 1 once; ticket 2: the frozen one's 503, the other's
    assert len(slack.messages("C1", include_replies=False)) == 2
    assert [(t.state, t.attempts, t.last_error) for t in tickets] == [
        (TicketState.APPROVED, 0, None),
        (TicketState.APPROVED, 0, None),
    ]
    assert all("failed" not in e and "attempt_failed" not in e for e in events.values()), events
    assert codes == [0, 0], [r.log_tail() for r in replicas]
    assert not any("Traceback" in r.log for r in replicas), [r.log for r in replicas]
