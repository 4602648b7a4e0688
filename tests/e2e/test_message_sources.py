"""Tickets from a message already in Slack, through `python app.py` (issue 17): the "File as
ticket" shortcut and its form, the filing emoji, and the message's files copied to Jira."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.tickets import TicketSource
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator, StoredMessage
from emulators.stack import BotProcess
from tests.e2e.harness import LIFTED_QUOTAS, bot_environment, read_tickets, settled

SOURCES = """
sources:
  reaction_filing: true
  attachment_max_bytes: 1000
"""
WAIT = 20.0


@pytest.fixture
def bot_env(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> dict[str, str]:
    return bot_environment(slack, jira, tmp_path, model=llm, quotas=LIFTED_QUOTAS + SOURCES)


async def confirmation(slack: SlackEmulator, message: StoredMessage) -> list[StoredMessage]:
    """The bot's replies in the message's thread, once there is one."""
    return await slack.wait_for(
        lambda: [m for m in slack.thread(message.channel, message.ts) if m.bot_id] or None,
        timeout=WAIT,
        what="the confirmation in the thread",
    )


async def test_shortcut_form_files_for_the_author_and_confirms_in_the_thread(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    bob = jira.add_user("bob@example.com", "Bob Baker")
    message = await slack.post_user_message(
        "general", "The <#C1|general> printer is on fire, <@U3> saw it", user="U2"
    )
    envelope = await slack.message_shortcut("C1", message.ts, user="U1")
    await slack.wait_for_ack(envelope, timeout=3)
    [view] = await slack.wait_for(lambda: list(slack.views.values()) or None, timeout=WAIT)
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    prefilled = blocks["summary"]["element"]["initial_value"]
    assert prefilled == "The #general printer is on fire, @carol saw it"
    submitted = await slack.submit_view(
        view.id,
        {"summary": {"value": prefilled}, "requester": {"value": "U2"}},
        user="U1",
    )
    await slack.wait_for_ack(submitted, timeout=3)
    [reply] = await confirmation(slack, message)
    [key] = jira.created_keys()
    assert f"|{key}>" in reply.text and "Filed as" in reply.text
    issue = jira.issues[key]
    assert issue["reporter"] == bob  # the author, not the person who filed it
    permalink = f"/archives/C1/p{message.ts.replace('.', '')}"
    assert permalink in str(issue["description"])
    [ticket] = await settled(tmp_path, 1)
    assert ticket.source is TicketSource.SHORTCUT
    assert (ticket.requester_id, ticket.filed_by) == ("U2", "U1")
    assert (ticket.source_channel_id, ticket.source_ts) == ("C1", message.ts)


async def test_the_emoji_twice_and_by_two_at_once_files_one_issue(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await slack.post_user_message("general", "Disk full on build-3", user="U2")
    await asyncio.gather(
        slack.react("C1", message.ts, "ticket", user="U1"),
        slack.react("C1", message.ts, "ticket", user="U3"),
    )
    await confirmation(slack, message)
    slack.unreact("C1", message.ts, "ticket", user="U1")
    await slack.react("C1", message.ts, "ticket", user="U1")  # taken back and added again
    await slack.wait_for(
        lambda: sum("already filed as" in m.text for m in slack.ephemerals()) >= 2 or None,
        timeout=WAIT,
        what="the others told which ticket",
    )
    [ticket] = await settled(tmp_path, 1)
    assert len(jira.created_keys()) == 1
    assert ticket.source is TicketSource.REACTION and ticket.requester_id == "U2"
    assert len(slack.thread("C1", message.ts)) == 1
    assert len(await read_tickets(tmp_path)) == 1


async def test_a_reaction_whose_bot_dies_before_recording_it_is_filed_after_restart(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    slack.faults.stall_after_success("conversations.history", 60.0, times=None)
    first = await BotProcess(bot_env, tmp_path).start()
    await slack.wait_for_connections(1, timeout=30)
    message = await slack.post_user_message("general", "Disk full on build-3", user="U2")
    envelope = await slack.react("C1", message.ts, "ticket", user="U1")
    assert envelope is not None
    await slack.wait_for(  # the bot is reading the message, before recording anything
        lambda: [c for c in slack.api_calls("conversations.history")
                 if c.args.get("latest") == message.ts] or None,
        timeout=WAIT,
        what="the message read",
    )
    await first.stop(signal.SIGKILL)
    assert slack.ack_for(envelope) is None  # never acknowledged: Slack delivers it again
    assert await read_tickets(tmp_path) == []
    slack.faults.clear()
    second = await BotProcess(bot_env, tmp_path).start()
    try:
        await slack.wait_for_ack(envelope, timeout=WAIT)
        await confirmation(slack, message)
        [ticket] = await settled(tmp_path, 1)
    finally:
        code = await second.stop()
    assert code == 0, second.log
    assert ticket.source is TicketSource.REACTION and ticket.filed_by == "U1"
    assert len(jira.created_keys()) == 1


async def test_two_attachments_one_over_the_cap(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await slack.post_user_message(
        "general",
        "The build log and a core dump",
        user="U2",
        files=[("build.log", b"error: out of memory\n" * 20), ("core.dump", b"\0" * 5000)],
    )
    await slack.react("C1", message.ts, "ticket", user="U1")
    await confirmation(slack, message)
    [key] = jira.created_keys()
    comments = await slack.wait_for(
        lambda: jira.issues[key]["comments"] or None, timeout=WAIT, what="the skipped-files note"
    )
    attached = [(a["filename"], a["size"]) for a in jira.attachments_of(key)]
    assert attached == [("build.log", 420)]
    [note] = comments
    text = str(note["body"])
    assert "core.dump" in text and "over the" in text and "build.log" not in text
    assert slack.files.get(message.files[0]["id"]).downloads == 1  # type: ignore[index]
