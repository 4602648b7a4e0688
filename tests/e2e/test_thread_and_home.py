"""Thread replies to Jira comments and App Home through `python app.py` (issue 18)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine, session_factory
from bot.db.thread_comments import ThreadComments
from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import BOT_ID, BOT_USER_ID, SlackEmulator, StoredMessage, events
from emulators.stack import BotProcess, sqlite_url, start_connected
from tests.e2e.harness import read_tickets, start_replicas
from tests.e2e.test_jira_sync import polled, sync_config
from tests.e2e.test_ticket_flow import file_ticket, posted


async def ticket_message(slack: SlackEmulator, requester: str = "U3") -> StoredMessage:
    await file_ticket(slack, "The badge reader at door 4 rejects every badge", user=requester)
    [message] = await posted(slack)
    return message


def comments(jira: JiraEmulator) -> list[Any]:
    [key] = jira.created_keys()
    return [c["body"] for c in jira.issues[key]["comments"]]


def envelope_of(slack: SlackEmulator, message: StoredMessage) -> str:
    return next(
        envelope.envelope_id
        for envelope in slack.socket.envelopes.values()
        if envelope.type == "events_api" and envelope.payload["event"].get("ts") == message.ts
    )


async def thread_rows(workdir: Path) -> list[Any]:
    engine = create_engine(sqlite_url(workdir))
    try:
        return list(await ThreadComments(session_factory(engine)).of_ticket(1))
    finally:
        await engine.dispose()


async def rows_once(
    workdir: Path, done: Callable[[list[Any]], bool], timeout: float = 20.0
) -> list[Any]:
    """The ticket's reply rows once ``done(rows)`` holds (or as they stand after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await thread_rows(workdir)
        if (rows and done(rows)) or loop.time() >= deadline:
            return rows
        await asyncio.sleep(0.1)


async def test_a_thread_reply_becomes_one_jira_comment_even_when_redelivered(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    parent = await ticket_message(slack)
    reply = await slack.post_user_message(
        "C1", "It also fails at door 5, ask <@U1>", user="U3", thread_ts=parent.ts
    )
    await slack.wait_for(lambda: comments(jira) or None, timeout=15)
    [body] = comments(jira)
    assert body.startswith("Carol Clark in Slack\\:")
    assert "It also fails at door 5, ask @Alice Able" in body
    assert f"ref slack.C1.{reply.ts}" in body
    envelope = envelope_of(slack, reply)
    await slack.redeliver(envelope)  # Slack delivers the same event again
    await slack.wait_for(lambda: slack.envelope(envelope).deliveries >= 2, timeout=10)
    later = await slack.post_user_message("C1", "Fixed?", user="U3", thread_ts=parent.ts)
    await slack.wait_for(lambda: len(comments(jira)) >= 2, timeout=15)
    assert len(comments(jira)) == 2 and f"ref slack.C1.{later.ts}" in comments(jira)[1]
    rows = await rows_once(tmp_path, lambda rows: all(r.state == "done" for r in rows))
    assert [(r.message_ts, r.state) for r in rows] == [(reply.ts, "done"), (later.ts, "done")]
    counts = jira.request_counts()  # what two replies cost in Jira (docs/sync.md, Cost)
    assert counts["POST /issue/{key}/comment"] == 2
    assert counts["GET /user/search"] == 2  # the requester's when filing, the author's once
    assert counts["GET /issue/{key}/comment"] == 0  # no answer was lost: nothing to look for


async def test_no_echo_bot_and_app_messages_are_not_copied(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    parent = await ticket_message(slack)
    # The bot's own message in the thread (Slack sends the app its own messages too) and
    # another app's: neither is copied, so nothing the bot writes can come back as a comment.
    await slack.post_user_message(
        "C1", "Approved by <@U2>", user=BOT_USER_ID, thread_ts=parent.ts, bot_id=BOT_ID
    )
    await slack.post_user_message(
        "C1", "CI is green", user="U2", thread_ts=parent.ts, bot_id="B999"
    )
    person = await slack.post_user_message("C1", "a person", user="U2", thread_ts=parent.ts)
    await slack.wait_for(lambda: comments(jira) or None, timeout=15)
    [body] = comments(jira)
    assert f"ref slack.C1.{person.ts}" in body
    assert [r.message_ts for r in await thread_rows(tmp_path)] == [person.ts]


async def test_app_home_shows_the_right_tickets_and_its_buttons_decide(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    parent = await ticket_message(slack, requester="U3")
    [key] = jira.created_keys()
    home = slack.home
    for user in ("U3", "U2"):
        await home.open_home(user)
    await slack.wait_for(lambda: {"U2", "U3"} <= set(home.views), timeout=15)
    assert key in home.text("U3") and home.buttons("U3", "ticket_approve") == []  # requester
    assert key in home.text("U2") and home.buttons("U2", "ticket_approve") == ["1"]  # approver
    await home.open_home("U1")  # an approver, not the requester: the ticket waits for U1 too
    await slack.wait_for(lambda: "U1" in home.views, timeout=15)
    assert home.buttons("U1", "ticket_approve") == ["1"]
    envelope = await home.click("U2", "ticket_approve", "1")
    await slack.wait_for_ack(envelope, timeout=5)
    await slack.wait_for(lambda: not slack.message("C1", parent.ts).buttons(), timeout=15)
    assert "Approved by <@U2>" in str(slack.message("C1", parent.ts).blocks)
    await slack.wait_for(lambda: "Done:" in home.text("U2"), timeout=15)
    assert home.buttons("U2", "ticket_approve") == []
    await slack.wait_for(lambda: home.buttons("U1", "ticket_approve") == [], timeout=15)
    [ticket] = await read_tickets(tmp_path)
    assert (ticket.state, ticket.decided_by) == (TicketState.APPROVED, "U2")
    assert "Approved by U2 in Slack." in str(jira.issues[key]["comments"])


async def test_files_in_a_reply_are_attached_to_the_issue(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    parent = await ticket_message(slack)
    await slack.post_user_message(
        "C1", "", user="U3", thread_ts=parent.ts, files=[("door4.log", b"rejected " * 40)]
    )
    await slack.wait_for(lambda: comments(jira) or None, timeout=15)
    [key] = jira.created_keys()
    [attachment] = jira.attachments_of(key)
    assert (attachment["filename"], attachment["size"]) == ("door4.log", 360)
    [body] = comments(jira)
    assert "Attached from Slack\\: door4.log" in body


async def test_jira_down_while_copying_a_reply_then_one_comment(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    parent = await ticket_message(slack)
    jira.fail(503, times=3, method="POST", path="/comment", retry_after=1)
    reply = await slack.post_user_message("C1", "Still down?", user="U3", thread_ts=parent.ts)
    await slack.wait_for(lambda: comments(jira) or None, timeout=30)
    [body] = comments(jira)
    assert f"ref slack.C1.{reply.ts}" in body
    [row] = await rows_once(tmp_path, lambda rows: rows[0].state == "done")  # Jira, then the row
    assert row.attempts >= 1


async def test_two_replicas_copy_each_reply_once(
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
        await slack.wait_for(lambda: slack.open_connections >= 2, timeout=30)
        parent = await ticket_message(slack)
        jira.slow(0.5, method="POST", path="/comment")  # copies overlap the other's loop
        # The replies come at once, some before the bot has recorded its post's ts.
        replies = [
            await slack.post_user_message("C1", f"reply {n}", user="U3", thread_ts=parent.ts)
            for n in range(6)
        ]
        for reply in replies:  # every event delivered again
            await slack.redeliver(envelope_of(slack, reply))
        await slack.wait_for(lambda: len(comments(jira)) >= 6, timeout=60)
        store = ThreadComments(session_factory(engine))
        for _ in range(200):  # the row is marked done just after Jira answers
            rows = await store.of_ticket(1)
            if all(r.state == "done" for r in rows):
                break
            await asyncio.sleep(0.05)
    finally:
        codes = [await replica.stop() for replica in replicas]
    assert codes == [0, 0]
    markers = sorted(m for body in comments(jira) for m in re.findall(r"C1\.\d+\.\d+", body))
    assert markers == sorted(f"C1.{r.ts}" for r in replies)  # each reply exactly once
    assert [r.state for r in rows] == ["done"] * 6


async def test_no_echo_between_the_thread_and_jira_both_ways(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    env = {**bot_env, "TICKETBOT_CONFIG": str(sync_config(tmp_path))}  # Jira polled every 1 s
    process = await start_connected(env, tmp_path, slack, timeout=30)
    try:
        parent = await ticket_message(slack)
        [key] = jira.created_keys()
        await slack.post_user_message("C1", "Door 5 too", user="U3", thread_ts=parent.ts)
        await slack.wait_for(lambda: comments(jira) or None, timeout=15)
        jira.comment_as(key, "A technician is on the way")
        mirrored = await slack.wait_for(
            lambda: [m for m in slack.thread("C1", parent.ts) if m.bot_id] or None, timeout=20
        )
        # Slack sends the app its own messages too: the bot's reply comes back as an event.
        for message in mirrored:
            event = events.message_event(message, slack.channel("C1"))
            echo = await slack.push_envelope("events_api", events.event_callback(event))
            await slack.wait_for_ack(echo, timeout=5)
        await polled(slack, jira)  # three more polls of Jira
    finally:
        code = await process.stop()
    assert code == 0, process.log
    bodies = comments(jira)
    assert len(bodies) == 2 and "ref slack." in str(bodies[0])  # ours, and the technician's
    texts = [m.text for m in slack.thread("C1", parent.ts)]
    assert sum("commented in Jira" in t for t in texts) == 1  # ours never came back
    assert not any("Door 5 too" in t for t in texts if "commented in Jira" in t)
