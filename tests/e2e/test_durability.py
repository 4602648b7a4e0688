"""Nothing lost, nothing twice: crashes, restarts and two replicas, through `python app.py`."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets, settled, start_replicas
from tests.e2e.test_ticket_flow import posted


async def burst(slack: SlackEmulator, count: int, *, channel: str = "C1") -> list[str]:
    envelopes = [
        await slack.slash_command(
            "/ticket", f"Request {n}: cannot print invoices", user="U3", channel=channel
        )
        for n in range(count)
    ]
    return envelopes


async def acked(slack: SlackEmulator, envelopes: list[str]) -> list[str]:
    return [e for e in envelopes if slack.ack_for(e) is not None]


def assert_exactly_once(
    tickets: list[Ticket], jira: JiraEmulator, slack: SlackEmulator, expected: int
) -> None:
    assert len(tickets) == expected
    assert {t.state for t in tickets} == {TicketState.POSTED}
    labels = Counter(
        label
        for issue in jira.issues.values()
        for label in issue["labels"]
        if label.startswith("ticketbot-") and not label.endswith("-all")  # one per ticket
    )
    assert len(labels) == expected and set(labels.values()) == {1}, labels
    assert len(jira.created_keys()) == expected
    posts = [m for m in slack.messages("C1", include_replies=False) if m.buttons()]
    assert len(posts) == expected
    assert len({t.message_ts for t in tickets}) == expected


@pytest.mark.parametrize("kill_after_filed", [0, 8, 20])
async def test_sigkill_during_a_burst_then_restart(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    tmp_path: Path,
    kill_after_filed: int,
) -> None:
    count = 50
    jira.latency_s = 0.05
    first = await BotProcess(bot_env, tmp_path).start()
    await slack.wait_for_connections(1, timeout=30)
    envelopes = await burst(slack, count)
    await slack.wait_for(lambda: len(jira.created_keys()) >= kill_after_filed, timeout=60)
    await first.stop(signal.SIGKILL)
    got_ack = await acked(slack, envelopes)

    second = await BotProcess(bot_env, tmp_path).start()
    try:
        await slack.wait_for_connections(2, timeout=30)
        # Slack redelivers what was never acknowledged; every acked request must be finished.
        await slack.wait_for(lambda: all(slack.ack_for(e) for e in envelopes), timeout=60)
        await posted(slack, count=count, timeout=120)
        # A post the killed process made before recording it shows in Slack first; this
        # process records it once the dead one's lease on that ticket has run out.
        tickets = await settled(tmp_path, count)
    finally:
        code = await second.stop()
    assert code == 0, second.log
    assert len(got_ack) <= count
    assert_exactly_once(tickets, jira, slack, count)


async def test_lost_create_response_is_found_by_label_not_filed_twice(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    jira.drop_after_create(times=1)
    await burst(slack, 1)
    await posted(slack, count=1, timeout=60)
    assert_exactly_once(await settled(tmp_path, 1), jira, slack, 1)


async def test_jira_outage_then_recovery(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    jira.fail(503, times=10_000, retry_after=1, method="POST", path="/issue")
    await burst(slack, 5)
    told = await slack.wait_for(
        lambda: (
            [p for p in slack.response_url_posts if "Jira is unreachable" in str(p.body)]
            if len([p for p in slack.response_url_posts if "Jira is unreachable" in str(p.body)])
            >= 5
            else None
        ),
        timeout=60,
    )
    assert len(told) == 5  # each requester told once
    jira.faults.clear()
    await posted(slack, count=5, timeout=60)
    assert_exactly_once(await settled(tmp_path, 5), jira, slack, 5)
    told_again = [p for p in slack.response_url_posts if "Jira is unreachable" in str(p.body)]
    assert len(told_again) == 5


async def test_every_classifier_down_files_with_the_fallback_label(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    env = {**bot_env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}  # nothing listens there
    process = await BotProcess(env, tmp_path).start()
    try:
        await slack.wait_for_connections(1, timeout=30)
        await burst(slack, 3)
        messages = await posted(slack, count=3, timeout=90)
    finally:
        code = await process.stop()
    assert code == 0, process.log
    tickets = await read_tickets(tmp_path)
    assert {(t.label, t.classified_by, t.needs_triage) for t in tickets} == {
        ("Task", "fallback", True)
    }
    assert all("please check the type" in str(m.blocks) for m in messages)


async def test_two_replicas_on_postgresql_process_each_ticket_once(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    tmp_path: Path,
    shared_postgres: tuple[str, AsyncEngine],
) -> None:
    url, engine = shared_postgres
    env = {**bot_env, "DATABASE_URL": url}
    replicas = await start_replicas(env, tmp_path)
    try:
        await slack.wait_for_connections(2, timeout=30)
        await slack.wait_for(lambda: slack.open_connections >= 2, timeout=30)
        count = 40
        await burst(slack, count)
        await posted(slack, count=count, timeout=120)
        await asyncio.sleep(1)  # let any double work show itself
        log = TicketLog(session_factory(engine))
        tickets = [t for t in await log.listing(limit=1000)]
        assert_exactly_once(tickets, jira, slack, count)
    finally:
        codes = [await replica.stop() for replica in replicas]
    assert codes == [0, 0], [r.log for r in replicas]
    served = [sum("received from" in line for line in r.log_lines) for r in replicas]
    assert all(n > 0 for n in served), served  # Slack spread the burst over both
