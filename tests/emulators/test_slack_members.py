"""The Slack emulator's conversations.members: who is in a conversation, paged, with scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import Channel, SlackEmulator, User, default_channels, default_users

BOT_TOKEN = "xoxb-members"
CROWD = [User(f"U{n:04d}", f"user{n}", f"User {n}") for n in range(250)]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    channels = [
        *default_channels(),
        Channel("G7", "hush", "private", bot_is_member=True, members={"U1", "U3"}),
    ]
    users = [*default_users(), *CROWD]
    async with SlackEmulator(bot_token=BOT_TOKEN, users=users, channels=channels) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


async def every_page(client: AsyncWebClient, channel: str, **args: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = await client.conversations_members(channel=channel, cursor=cursor, **args)
        pages.append(list(page["members"]))
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return pages


async def test_a_big_public_channel_is_paged_without_gaps(client: AsyncWebClient) -> None:
    pages = await every_page(client, "C1", limit=100)
    assert [len(p) for p in pages] == [100, 100, 54]  # 253 people and the bot
    seen = [m for p in pages for m in p]
    assert len(seen) == len(set(seen)) == 254
    assert {"U1", "U2", "U3", "U0249", "UBOT"} <= set(seen)
    assert [len(p) for p in await every_page(client, "C1")] == [100, 100, 54]  # default 100
    assert [len(p) for p in await every_page(client, "C1", limit=5000)] == [254]  # cap 1000


async def test_private_channel_and_im_members(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    assert await every_page(client, "G7") == [["U1", "U3", "UBOT"]]
    with pytest.raises(SlackApiError) as raised:  # the manifest asks for no im:read
        await client.conversations_members(channel="D1")
    assert raised.value.response["needed"] == "im:read"
    slack.state.scopes.add("im:read")
    assert await every_page(client, "D1") == [["U1", "UBOT"]]
    outside = [m for p in await every_page(client, "C2") for m in p]  # public: readable though
    assert "UBOT" not in outside and "U1" in outside  # the bot is not in it


@pytest.mark.parametrize(
    ("channel", "error"),
    [("G1", "channel_not_found"), ("D2", "channel_not_found"), ("C404", "channel_not_found")],
)
async def test_conversations_the_bot_cannot_see(
    client: AsyncWebClient, channel: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_members(channel=channel)
    assert raised.value.response["error"] == error


async def test_bad_cursor_and_missing_scope(client: AsyncWebClient, slack: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_members(channel="C1", cursor="bm9wZQ==")
    assert raised.value.response["error"] == "invalid_cursor"
    slack.state.scopes.discard("groups:read")
    assert await every_page(client, "C1", limit=1000)  # channels:read is enough here
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_members(channel="G7")
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "groups:read"
