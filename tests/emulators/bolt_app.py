"""A Bolt app connected to the Slack emulator over Socket Mode, for the emulator tests that
check what an app receives (events, shortcuts, clicks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import SlackEmulator

BOT_TOKEN = "xoxb-bolt-test"
APP_TOKEN = "xapp-bolt-test"
TIMEOUT = 10.0
Body = dict[str, Any]


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


@asynccontextmanager
async def connected(slack: SlackEmulator, app: AsyncApp) -> AsyncIterator[None]:
    handler = AsyncSocketModeHandler(app, APP_TOKEN)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await slack.wait_for_connections(1, TIMEOUT)
    try:
        yield
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def new_app(slack: SlackEmulator) -> AsyncApp:
    return AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url))
