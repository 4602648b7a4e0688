"""Slack misbehaving during a burst, through `python app.py`: nothing lost, nothing twice.

- Socket Mode `disconnect` (refresh_requested, then warning) every ~2 s and one abrupt socket
  loss while 30 `/ticket` commands arrive: the bot reconnects, Slack redelivers what was never
  acked, and every request ends as exactly one Jira issue, one channel message, one log row.
- `chat.postMessage` answering 429 + Retry-After during a burst in one channel: the posts queue
  and go out later, none lost and none twice.

The same button clicked twice is covered by tests/e2e/test_decisions.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from bot import messages
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import settled
from tests.e2e.test_durability import assert_exactly_once
from tests.e2e.test_ticket_flow import posted

CLEAR_ACKS = (messages.FILING, messages.ALREADY_RECEIVED.split("#")[0])


def first_ack_texts(slack: SlackEmulator, envelopes: list[str]) -> list[str]:
    texts = []
    for envelope in envelopes:
        ack = slack.ack_for(envelope)
        assert ack is not None, envelope
        texts.append(str((ack.payload or {}).get("text") or ""))
    return texts


async def test_disconnect_storm_and_an_abrupt_drop_during_a_burst(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    count = 30
    storms: list[str] = []
    envelopes: list[str] = []
    stop = asyncio.Event()

    async def command(n: int) -> str:
        return await slack.slash_command(
            "/ticket", f"Request {n}: the VPN drops every few minutes", user="U3"
        )

    async def storm() -> None:
        reasons = ["refresh_requested", "warning"]
        while not stop.is_set():
            await asyncio.sleep(2)
            if slack.open_connections == 0:  # still reconnecting after the abrupt drop
                continue
            if len(storms) == 2:
                # Once: the TCP connection dies without a close frame. Done between acks (an ack
                # lost with the socket is test_ack_lost_with_the_socket_is_redelivered_once).
                await slack.wait_for(
                    lambda: all(slack.ack_for(e) for e in slack.socket.envelopes), timeout=10
                )
                await slack.drop_connections(abrupt=True)
                storms.append("abrupt")
            else:
                await slack.disconnect(reasons[len(storms) % 2])
                storms.append(reasons[len(storms) % 2])

    storming = asyncio.create_task(storm())
    try:
        for n in range(count):
            envelopes.append(await command(n))
            await asyncio.sleep(0.3)
        # The SDK notices the abrupt loss on its next ping check (bolt: every 10 s), then gets
        # what waited and what Slack redelivers; the storm goes on a little after that.
        await slack.wait_for(
            lambda: len(storms) >= 5 and all(slack.ack_for(e) for e in envelopes),
            timeout=90,
            what="an ack for every command, and five disconnects",
        )
    finally:
        stop.set()
        await storming
    assert storms[:3] == ["refresh_requested", "warning", "abrupt"], storms

    # Slack also delivers some envelopes twice (a retry after a lost ack): one effect each.
    for envelope in envelopes[::10]:
        await slack.redeliver(envelope)
    await slack.wait_for(
        lambda: len(slack.acks) >= len(envelopes) + len(envelopes[::10]), timeout=30
    )

    await posted(slack, count=count, timeout=90)
    tickets = await settled(tmp_path, count)
    assert_exactly_once(tickets, jira, slack, count)
    assert all(text.startswith(CLEAR_ACKS) for text in first_ack_texts(slack, envelopes))
    assert slack.connections_opened >= 1 + len(storms)  # it reconnected after each one
    assert slack.open_connections >= 1
    assert slack.problems == []


async def test_ack_lost_with_the_socket_is_redelivered_once(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    """The bot got a command, but the socket died before its ack went out: Slack redelivers it
    on the new connection, and it still becomes one ticket."""
    process = await BotProcess(bot_env, tmp_path).start()
    try:
        await slack.wait_for_connections(1, timeout=30)
        await slack.wait_for(lambda: (tmp_path / "tickets.db").exists(), timeout=10)
        # Hold the database's write lock so the bot, recording the ticket, cannot ack yet.
        with contextlib.closing(
            sqlite3.connect(tmp_path / "tickets.db", isolation_level=None)
        ) as lock:
            lock.execute("BEGIN IMMEDIATE")
            envelope = await slack.slash_command(
                "/ticket", "The projector in room 4 shows no picture", user="U3"
            )
            await slack.wait_for(lambda: slack.envelope(envelope).sent_at, timeout=5)
            await asyncio.sleep(0.5)  # the bot has read it and waits for the lock
            await slack.drop_connections(abrupt=True)
            await asyncio.sleep(0.2)
            lock.execute("ROLLBACK")
        await slack.wait_for_connections(2, timeout=30)
        await slack.wait_for_ack(envelope, timeout=30)
        await posted(slack, count=1, timeout=30)
        await asyncio.sleep(1)  # let any second effect show itself
    finally:
        code = await process.stop()
    assert code == 0
    assert slack.envelope(envelope).deliveries >= 2  # the first ack really was lost
    assert_exactly_once(await settled(tmp_path, 1), jira, slack, 1)
    assert slack.problems == []
    assert "Traceback" not in process.log, process.log
    assert "Slack will redeliver" in process.log


async def test_rate_limited_chat_post_message_during_a_burst_in_one_channel(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    count = 10
    slack.faults.rate_limit("chat.postMessage", times=5, retry_after=1)
    envelopes = [
        await slack.slash_command(
            "/ticket", f"Request {n}: the shared drive is read-only", user="U3"
        )
        for n in range(count)
    ]
    await posted(slack, count=count, timeout=60)
    tickets = await settled(tmp_path, count)
    assert_exactly_once(tickets, jira, slack, count)
    limited = [c for c in slack.api_calls("chat.postMessage") if c.status == 429]
    assert len(limited) == 5
    assert all(text.startswith(CLEAR_ACKS) for text in first_ack_texts(slack, envelopes))
    failures = [p for p in slack.response_url_posts if "could not" in str(p.body)]
    assert failures == []  # nobody was told their ticket failed
    assert slack.problems == []


async def test_chat_post_message_rate_limited_for_a_while_queues_not_fails(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    """Longer than the SDK's own retries (3 × Retry-After) last: the pipeline must wait it out."""
    count = 10
    slack.faults.rate_limit("chat.postMessage", times=None, duration=5, retry_after=1)
    for n in range(count):
        await slack.slash_command(
            "/ticket", f"Request {n}: badge {n} does not open door B", user="U3"
        )
    await posted(slack, count=count, timeout=60)
    tickets = await settled(tmp_path, count)
    assert_exactly_once(tickets, jira, slack, count)
    assert [c for c in slack.api_calls("chat.postMessage") if c.status == 429]
    assert slack.problems == []
