"""The Bolt app: Socket Mode connection and listener registration."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services

log = logging.getLogger(__name__)


class SlackBot:
    def __init__(self, services: Services) -> None:
        slack = services.settings.slack
        assert slack.bot_token is not None and slack.app_token is not None
        self.services = services
        client = AsyncWebClient(token=slack.bot_token.get_secret_value(), base_url=slack.api_url)
        self.app = AsyncApp(client=client, process_before_response=False)
        self._handler = AsyncSocketModeHandler(self.app, slack.app_token.get_secret_value())

    async def start(self) -> None:
        await self._handler.connect_async()
        log.info("connected to Slack over Socket Mode")

    async def stop(self) -> None:
        await self._handler.close_async()
