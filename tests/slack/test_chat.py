"""SlackChat and the bot's web client against the Slack emulator: one message per ticket when
the connection is reset after Slack stored it, in a busy channel, and in the DM fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.db.installation import InstallationIdentity
from bot.db.models import Ticket, utcnow
from bot.errors import ChatUnavailable
from bot.settings import SlackSettings
from bot.slack.app import web_client
from bot.slack.chat import SlackChat
from bot.slack.listeners.commands import handle_ticket
from bot.tickets import TicketSource, TicketState
from emulators.slack import DEFAULT_SCOPES, SlackEmulator, StoredMessage, payloads

BOT_TOKEN = "xoxb-chat-test"
APP_TOKEN = "xapp-chat-test"


def ticket(channel: str = "C1", requester: str = "U1", ticket_id: int = 7) -> Ticket:
    return Ticket(
        id=ticket_id,
        dedupe_key="k",
        source=TicketSource.SLASH_COMMAND,
        slack_channel_id=channel,
        requester_id=requester,
        requester_name="alice",
        text="VPN drops every 10 minutes",
        state=TicketState.FILED,
        label="Incident",
        confidence=0.83,
        classified_by="llama",
        needs_triage=False,
        jira_key="KAN-3",
        jira_url="https://x.atlassian.net/browse/KAN-3",
        created_at=utcnow() - timedelta(seconds=5),
        slack_post_started_at=utcnow(),
    )


async def emulator(scopes: tuple[str, ...] = DEFAULT_SCOPES) -> SlackEmulator:
    return SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN, scopes=scopes)


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with await emulator() as running:
        yield running


INSTALLATION = InstallationIdentity("ab12cd34ef", legacy_labels_below=5)


def chat_for(slack: SlackEmulator) -> SlackChat:
    return SlackChat(client_for(slack), INSTALLATION)


def client_for(slack: SlackEmulator) -> AsyncWebClient:
    return web_client(SlackSettings(bot_token=SecretStr(BOT_TOKEN), api_url=slack.api_url))


def ticket_posts(slack: SlackEmulator, channel: str) -> list[StoredMessage]:
    return [m for m in slack.messages(channel) if m.metadata is not None]


async def test_reset_after_the_post_was_stored_is_not_resent(slack: SlackEmulator) -> None:
    chat = chat_for(slack)
    slack.faults.reset_after_success("chat.postMessage", times=1)
    with pytest.raises(ChatUnavailable):
        await chat.post_ticket(ticket())
    assert len(slack.api_calls("chat.postMessage")) == 1
    stored = ticket_posts(slack, "C1")

    again = await chat.post_ticket(ticket(), maybe_posted=True)  # the pipeline's next attempt

    assert (again.channel_id, again.ts, again.in_channel) == ("C1", stored[0].ts, True)
    assert ticket_posts(slack, "C1") == stored
    assert len(slack.api_calls("chat.postMessage")) == 1


async def test_reset_on_a_read_is_retried_once(slack: SlackEmulator) -> None:
    slack.faults.reset_after_success("users.info", times=1)
    person = await chat_for(slack).person("U1")
    assert person.name == "alice"
    assert [c.connection_reset for c in slack.api_calls("users.info")] == [True, False]


async def test_rate_limit_is_still_waited_out(slack: SlackEmulator) -> None:
    slack.faults.rate_limit("chat.postMessage", times=1, retry_after=0)
    posted = await chat_for(slack).post_ticket(ticket())
    assert [c.status for c in slack.api_calls("chat.postMessage")] == [429, 200]
    assert [m.ts for m in ticket_posts(slack, "C1")] == [posted.ts]


async def test_an_earlier_post_is_found_behind_hundreds_of_newer_messages(
    slack: SlackEmulator,
) -> None:
    chat = chat_for(slack)
    first = await chat.post_ticket(ticket())
    slack.fill_channel("C1", 450)

    again = await chat.post_ticket(ticket(), maybe_posted=True)

    assert again.ts == first.ts
    assert len(ticket_posts(slack, "C1")) == 1
    pages = slack.api_calls("conversations.history")
    assert len(pages) == 3 and all(c.ok for c in pages)
    assert {c.args.get("oldest") for c in pages} == {pages[0].args["oldest"]}


async def test_nothing_posted_yet_means_posting_now(slack: SlackEmulator) -> None:
    slack.fill_channel("C1", 250)
    posted = await chat_for(slack).post_ticket(ticket(), maybe_posted=True)
    assert [m.ts for m in ticket_posts(slack, "C1")] == [posted.ts]


async def test_the_dm_fallback_carries_metadata_and_is_found_in_the_dm(
    slack: SlackEmulator,
) -> None:
    chat = chat_for(slack)
    first = await chat.post_ticket(ticket(channel="G1"))  # private, the bot is not in it
    assert (first.channel_id, first.in_channel) == ("D1", False)
    assert ticket_posts(slack, "D1")[0].metadata == {
        "event_type": "ticketbot_ticket",
        "event_payload": {"ticket_id": 7, "installation": INSTALLATION.id},
    }

    again = await chat.post_ticket(ticket(channel="G1"), maybe_posted=True)

    assert (again.channel_id, again.ts, again.in_channel) == ("D1", first.ts, False)
    assert len(ticket_posts(slack, "D1")) == 1
    assert [c.args["users"] for c in slack.api_calls("conversations.open")] == ["U1"]


async def test_a_dm_post_cut_off_by_a_reset_is_found_in_the_dm(slack: SlackEmulator) -> None:
    chat = chat_for(slack)
    slack.faults.reset_after_success("chat.postMessage", times=1)
    with pytest.raises(ChatUnavailable):
        await chat.post_ticket(ticket(channel="C2", requester="U3"))  # C2: not a member
    dm = slack.channel("U3").id

    again = await chat.post_ticket(ticket(channel="C2", requester="U3"), maybe_posted=True)

    assert (again.channel_id, again.in_channel) == (dm, False)
    assert len(ticket_posts(slack, dm)) == 1


async def test_without_im_write_the_fallback_cannot_be_looked_for_and_is_posted() -> None:
    scopes = tuple(s for s in DEFAULT_SCOPES if s != "im:write")
    async with await emulator(scopes) as slack:
        chat = chat_for(slack)
        await chat.post_ticket(ticket(channel="G1"))
        await chat.post_ticket(ticket(channel="G1"), maybe_posted=True)
        assert len(ticket_posts(slack, "D1")) == 2  # the residual risk the README states
        assert slack.api_calls("conversations.open")[0].error == "missing_scope"


async def test_a_reset_on_views_open_is_not_resent_and_the_user_is_told(
    slack: SlackEmulator,
) -> None:
    """The listeners share the client: /ticket without text opens the form with views.open."""
    slack.faults.reset_after_success("views.open", times=1)
    user, channel = slack.state.user("U1"), slack.channel("C1")
    command = payloads.slash_command(
        "/ticket",
        "",
        user,
        channel,
        response_url=slack.state.issue_response_url(slack.base_url, "commands", "C1", "U1"),
        trigger_id=slack.state.issue_trigger("U1"),
    )
    ack = AsyncAck()  # type: ignore[no-untyped-call]
    await handle_ticket(ack, command, client_for(slack), AsyncBoltContext())
    assert len(slack.api_calls("views.open")) == 1
    assert [m.text for m in slack.ephemerals("U1")] == [messages.MODAL_OPEN_FAILED]


async def test_a_post_by_another_installation_is_not_taken_for_ours(slack: SlackEmulator) -> None:
    other = SlackChat(client_for(slack), InstallationIdentity("ffffffffff"))
    await other.post_ticket(ticket())
    posted = await chat_for(slack).post_ticket(ticket(), maybe_posted=True)
    assert len(ticket_posts(slack, "C1")) == 2 and posted.ts == ticket_posts(slack, "C1")[-1].ts


@pytest.mark.parametrize(("ticket_id", "adopted"), [(3, True), (7, False)])
async def test_a_post_from_before_installation_ids_is_ours_only_for_an_older_ticket(
    slack: SlackEmulator, ticket_id: int, adopted: bool
) -> None:
    client = client_for(slack)
    legacy = {"event_type": "ticketbot_ticket", "event_payload": {"ticket_id": ticket_id}}
    await client.chat_postMessage(channel="C1", text="old post", metadata=legacy)
    await chat_for(slack).post_ticket(ticket(ticket_id=ticket_id), maybe_posted=True)
    assert len(ticket_posts(slack, "C1")) == (1 if adopted else 2)
