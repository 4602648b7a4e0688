"""Direct messages that tell a person about their ticket (the ``Notices`` port): status changes
for requesters who chose ``/ticket_status notify dm``. Needs ``chat:write`` (and ``im:write``
where Slack asks for it to open the DM); errors are converted like every Slack call."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.chat import call_slack


class SlackNotices:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def direct_message(self, user_id: str, text: str) -> None:
        await call_slack(
            lambda: self._client.chat_postMessage(channel=user_id, text=text, unfurl_links=False)
        )
