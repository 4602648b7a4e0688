"""The ``HomeScreen`` port over Slack: ``views.publish`` of the view ``home_blocks`` builds."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.db.models import utcnow
from bot.slack.chat import call_slack
from bot.slack.home_blocks import home_view
from bot.triage.ports import HomeContent

log = logging.getLogger(__name__)


class SlackHome:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def publish(self, content: HomeContent) -> None:
        """Publish (replace) the person's Home tab; ChatError / ChatUnavailable on failure."""
        view = home_view(content, utcnow())
        await call_slack(lambda: self._client.views_publish(user_id=content.user_id, view=view))
        log.info("home of %s published", content.user_id)
