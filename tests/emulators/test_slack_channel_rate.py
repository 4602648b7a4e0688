"""The Slack emulator's per-channel posting limit (``faults.channel_post_rate``), driven by the
real slack_sdk client (its own 429 retries off, to see each answer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import SlackEmulator, default_channels

BOT_TOKEN = "xoxb-channel-rate"


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(bot_token=BOT_TOKEN, channels=default_channels()) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


async def post(client: AsyncWebClient, channel: str, text: str) -> int | None:
    """None when the post went through, else the Retry-After of its 429."""
    try:
        await client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as error:
        assert error.response.status_code == 429 and error.response["error"] == "ratelimited"
        return int(error.response.headers["Retry-After"])
    return None


async def test_a_burst_then_about_one_a_second_per_channel(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    slack.faults.channel_post_rate(1.0, burst=3)
    answers = [await post(client, "C1", f"m{n}") for n in range(5)]
    assert answers[:3] == [None, None, None] and answers[3:] == [1, 1]
    assert await post(client, "D1", "another conversation has its own allowance") is None
    await asyncio.sleep(1.1)  # the Retry-After: then one more fits
    assert await post(client, "C1", "later") is None
    assert [m.text for m in slack.messages("C1")] == ["m0", "m1", "m2", "later"]


async def test_switched_off_by_default_and_by_clear(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    assert [await post(client, "C1", f"m{n}") for n in range(5)] == [None] * 5
    slack.faults.channel_post_rate(1.0, burst=1)
    slack.faults.clear()
    assert [await post(client, "C1", f"n{n}") for n in range(5)] == [None] * 5
