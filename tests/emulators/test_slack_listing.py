"""The Slack emulator's conversations.list: channel names to ids, paged, private channels only
where the bot is a member, archived ones left out on request; and SlackChannels over it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.channels import SlackChannels
from emulators.slack import Channel, SlackEmulator, default_channels

BOT_TOKEN = "xoxb-listing"
MANY = [Channel(f"C{n:04d}", f"team-{n}") for n in range(450)]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    channels = [
        *default_channels(),
        *MANY,
        Channel("G7", "hush", "private", bot_is_member=True),
        Channel("G8", "secret", "private", bot_is_member=False),
        Channel("C9", "old-support", archived=True),
    ]
    async with SlackEmulator(bot_token=BOT_TOKEN, channels=channels) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


async def test_slack_channels_reads_every_page(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    names = await SlackChannels(client).channel_ids()
    assert names["team-449"] == "C0449" and names["hush"] == "G7"
    assert "secret" not in names and "old-support" not in names
    assert len(slack.api_calls("conversations.list")) == 3  # 200 a page


async def test_pages_and_types(client: AsyncWebClient) -> None:
    page = await client.conversations_list(limit=100)
    assert len(page["channels"]) == 100 and page["response_metadata"]["next_cursor"]
    assert all(c["is_channel"] for c in page["channels"])
    everything = await client.conversations_list(types="private_channel", limit=1000)
    assert [c["id"] for c in everything["channels"]] == ["G7"]
    with pytest.raises(SlackApiError) as info:
        await client.conversations_list(cursor="bogus")
    assert info.value.response["error"] == "invalid_cursor"


async def test_without_the_scope_it_is_refused(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    slack.state.scopes.discard("groups:read")
    with pytest.raises(SlackApiError) as info:
        await client.conversations_list(types="public_channel,private_channel")
    assert info.value.response["error"] == "missing_scope"
