"""`/ticket_status` under the visibility rule, in process: real payloads through the Bolt app,
the emulated Web API answering conversations.members (the harness of test_listeners.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import messages
from bot.tracker.models import NewIssue
from emulators.slack import Channel, User, payloads
from tests.slack.test_listeners import Harness, harness  # noqa: F401 - the fixture

OUTSIDER = User("U4", "dave", "Dave Doe", "dave@example.com")
PRIVATE = Channel("G7", "payroll", "private", bot_is_member=True, members={"U1", "U3"})


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"


@pytest.fixture
def workspace(harness: Harness) -> Harness:  # noqa: F811 - the fixture imported above
    """U1 files in private G7 (members U1, U3); U2 approves; U4 is in neither."""
    harness.slack.state.users[OUTSIDER.id] = OUTSIDER
    harness.slack.state.channels[PRIVATE.id] = PRIVATE
    return harness


def command(on: Harness, text: str, user: User, channel: str) -> dict[str, Any]:
    state = on.slack.state
    return payloads.slash_command(
        "/ticket_status",
        text,
        user,
        state.channels[channel],
        response_url=state.issue_response_url(on.slack.base_url, "commands", channel, user.id),
        trigger_id=state.issue_trigger(user.id),
    )


async def ask(on: Harness, text: str, user: str, channel: str = "C1") -> str:
    before = len(on.slack.response_url_posts)
    await on.dispatch(command(on, text, on.slack.state.users[user], channel))
    [answer] = (await on.response_texts())[before:]
    return answer


async def test_a_private_channels_ticket_is_not_found_for_outsiders(workspace: Harness) -> None:
    await workspace.dispatch(workspace.command("/ticket", "Payroll export is wrong", "U1", "G7"))
    await workspace.posted("G7")
    [ticket] = await workspace.tickets.listing()
    assert (ticket.jira_key, ticket.slack_channel_id) == ("KAN-1", "G7")
    workspace.tracker.issues["KAN-2"] = NewIssue(0, "filed in Jira directly", "Task", "x", "ab")

    for who in ("U1", "U2", "U3"):  # requester, approver, member of G7
        assert (await ask(workspace, "KAN-1", who)).startswith("KAN-1: To Do")
    missing = await ask(workspace, "KAN-404", "U4")
    assert missing == messages.STATUS_NOT_FOUND.format(key="KAN-404")
    for key in ("KAN-1", "kan-2", "HR-7"):
        answer = await ask(workspace, key, "U4")
        assert answer.replace(key.upper(), "KAN-404") == missing
    assert await ask(workspace, "KAN-1", "U4", channel="G7") == messages.STATUS_NOT_FOUND.format(
        key="KAN-1"
    )  # asking from inside the channel without being in it changes nothing
    lookups = workspace.slack.api_calls("conversations.members")
    assert [call.args["channel"] for call in lookups] == ["G7"]  # cached; only for KAN-1


async def test_a_ticket_from_a_channel_the_bot_cannot_list_is_shown_to_requester_and_approver(
    workspace: Harness,
) -> None:
    await workspace.dispatch(workspace.command("/ticket", "Need a monitor", "U1", "G1"))
    for _ in range(200):  # the bot is not in G1: the message goes to the requester's DM
        [ticket] = await workspace.tickets.listing()
        if ticket.message_ts:
            break
        await asyncio.sleep(0.02)
    assert ticket.message_channel_id != "G1"
    assert (await ask(workspace, "KAN-1", "U1")).startswith("KAN-1: To Do")
    assert (await ask(workspace, "KAN-1", "U2")).startswith("KAN-1: To Do")
    assert await ask(workspace, "KAN-1", "U3") == messages.STATUS_NOT_FOUND.format(key="KAN-1")
