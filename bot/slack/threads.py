"""The ``ThreadChat`` port over Slack: who wrote a thread reply; a private word in the thread."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import ChatError
from bot.slack.chat import call_slack
from bot.triage.ports import Person

GONE = frozenset({"user_not_found", "account_inactive"})


class SlackThreads:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._people: dict[str, Person | None] = {}

    async def author(self, user_id: str) -> Person | None:
        """Real name first (``users.info``, cached); None when Slack no longer knows them."""
        if user_id not in self._people:
            try:
                response = await call_slack(lambda: self._client.users_info(user=user_id))
            except ChatError as exc:
                if exc.code not in GONE:
                    raise
                self._people[user_id] = None
            else:
                self._people[user_id] = _person(response["user"])
        return self._people[user_id]

    async def tell_in_thread(
        self, channel_id: str, thread_ts: str, user_id: str, text: str
    ) -> None:
        await call_slack(
            lambda: self._client.chat_postEphemeral(
                channel=channel_id, user=user_id, text=text, thread_ts=thread_ts or None
            )
        )


def _person(user: dict[str, Any]) -> Person:
    profile = user.get("profile") or {}
    name = (
        profile.get("real_name")
        or user.get("real_name")
        or profile.get("display_name")
        or user.get("name")
        or user["id"]
    )
    return Person(id=str(user["id"]), name=str(name), email=profile.get("email"))
