"""Channel names -> ids (``conversations.list``), for routes named by channel name
(``bot.triage.routing`` caches the answer).

Public channels are listed with ``channels:read``; private ones (``groups:read``) only when
the bot is in them. Archived channels are left out: a route never files into one.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.chat import _call

LIST_PAGE = 200  # channels a page (Slack allows 1000 and advises 200)
LIST_PAGES = 100  # read at most: 20,000 channels


class SlackChannels:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def channel_ids(self) -> dict[str, str]:
        names: dict[str, str] = {}
        cursor: str | None = None
        for _ in range(LIST_PAGES):
            page = await self._page(cursor)
            for channel in page.get("channels") or []:
                if channel.get("name") and channel.get("id"):
                    names[str(channel["name"])] = str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return names

    async def _page(self, cursor: str | None) -> AsyncSlackResponse:
        return await _call(
            lambda: self._client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=LIST_PAGE,
                cursor=cursor,
            )
        )
