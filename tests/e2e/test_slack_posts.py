"""One Slack message per ticket when the post's answer is lost, through `python app.py`.

- Slack stores the message, then resets the connection: the bot does not re-send the post by
  itself; its next attempt finds the message by its metadata.
- The bot is SIGKILLed after Slack stored the message and before the bot recorded it; 250
  people's messages arrive in the channel before it restarts: the restarted bot pages back
  through the channel's history to the attempt and adopts the message.
- The same crash after the direct-message fallback (the bot cannot post in the channel): the
  restarted bot looks in the DM and adopts the DM.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.db.models import Ticket
from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator, StoredMessage
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets, settled
from tests.e2e.test_durability import assert_exactly_once, burst
from tests.e2e.test_ticket_flow import posted

HOLD_ANSWER_S = 120  # longer than the test: the bot never hears back from the first post
RESTART_TIMEOUT_S = 120  # a killed bot's lease must expire before its ticket is resumed


async def posted_ticket(workdir: Path) -> Ticket:
    """The one ticket, once the log records it posted."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RESTART_TIMEOUT_S
    while loop.time() < deadline:
        tickets = await read_tickets(workdir)
        if tickets and tickets[0].state is TicketState.POSTED:
            [ticket] = tickets
            return ticket
        await asyncio.sleep(0.2)
    raise AssertionError(f"not posted after {RESTART_TIMEOUT_S} s: {await read_tickets(workdir)}")


async def crash_while_slack_holds_the_answer(
    bot_env: dict[str, str], slack: SlackEmulator, workdir: Path, channel: str, where: str
) -> StoredMessage:
    """Start the bot, file one ticket from U1 in ``channel``, SIGKILL the bot once its post is
    stored in ``where`` (Slack holds the answer), and return that message."""
    slack.faults.stall_after_success("chat.postMessage", HOLD_ANSWER_S, times=1)
    first = await BotProcess(bot_env, workdir).start()
    await slack.wait_for_connections(1, timeout=30)
    await slack.slash_command(
        "/ticket", "The badge reader at door B is dead", user="U1", channel=channel
    )
    [message] = await slack.wait_for(lambda: slack.messages(where) or None, timeout=60)
    await first.stop(signal.SIGKILL)
    return message


async def restarted(bot_env: dict[str, str], slack: SlackEmulator, workdir: Path) -> Ticket:
    second = await BotProcess(bot_env, workdir).start()
    try:
        await slack.wait_for_connections(2, timeout=30)
        ticket = await posted_ticket(workdir)
    finally:
        code = await second.stop()
    assert code == 0, second.log
    assert "already posted as" in second.log, second.log
    assert "Traceback" not in second.log, second.log
    return ticket


async def test_connection_reset_after_the_message_was_stored_posts_once(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    slack.faults.reset_after_success("chat.postMessage", times=1)
    await burst(slack, 1)
    [message] = await posted(slack, count=1, timeout=60)
    tickets = await settled(tmp_path, 1)

    assert_exactly_once(tickets, jira, slack, 1)
    assert tickets[0].message_ts == message.ts
    [call] = slack.api_calls("chat.postMessage")  # sent once, its answer lost
    assert call.connection_reset
    assert "already posted as" in bot.log


async def test_crash_before_recording_the_post_in_a_busy_channel_posts_once(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await crash_while_slack_holds_the_answer(bot_env, slack, tmp_path, "C1", "C1")
    slack.fill_channel("C1", 250)  # more than one page of 200 since the attempt

    ticket = await restarted(bot_env, slack, tmp_path)

    assert_exactly_once([ticket], jira, slack, 1)
    assert (ticket.message_channel_id, ticket.message_ts) == ("C1", message.ts)
    assert len(slack.api_calls("chat.postMessage")) == 1
    pages = [c for c in slack.api_calls("conversations.history") if c.args.get("channel") == "C1"]
    assert len(pages) == 2 and all(c.ok for c in pages)


async def test_crash_after_the_direct_message_fallback_sends_one_dm(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    # G1 is private and the bot is not in it: the ticket goes to U1's DM with the bot (D1).
    dm = await crash_while_slack_holds_the_answer(bot_env, slack, tmp_path, "G1", "D1")
    assert dm.metadata is not None

    ticket = await restarted(bot_env, slack, tmp_path)

    assert [m.ts for m in slack.messages("D1")] == [dm.ts]
    assert (ticket.message_channel_id, ticket.message_ts) == ("D1", dm.ts)
    assert slack.messages("G1") == []
    assert len(jira.created_keys()) == 1
    assert [c.args.get("users") for c in slack.api_calls("conversations.open")] == ["U1"]
