"""The "Filed as KAN-12" answer to a ticket filed from a message, posted once.

The reply carries message metadata naming the ticket, and every attempt first looks through the
thread (``conversations.replies``) for it. Where the bot cannot post (not in the channel), the
person who filed it gets a direct message instead, looked for the same way in the DM's history
since the ticket began: a connection reset after Slack stored a post must not send a second.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.db.models import Ticket
from bot.errors import ChatError, ChatUnavailable
from bot.slack.chat import CANNOT_POST_HERE, _call

log = logging.getLogger(__name__)

CONFIRM_EVENT_TYPE = "ticketbot_filed_from"
REPLIES_PAGE = 200
REPLIES_PAGES = 10  # a thread of 2,000 replies is looked through, then the reply is posted


class SourceConfirmation:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, ticket: Ticket) -> None:
        """Post "Filed as KAN-12" in the source message's thread (or by DM), unless it is there."""
        channel, ts = ticket.source_channel_id, ticket.source_ts
        if not channel or not ts or not ticket.jira_key:
            return
        ts = await self._thread_root(channel, ts)  # a reply's confirmation goes in its thread
        if await self._confirmed(ticket, channel, ts):
            log.info("ticket %s: already confirmed in the source thread", ticket.id)
            return
        text = messages.SOURCE_FILED.format(url=ticket.jira_url, key=ticket.jira_key)
        metadata = _confirmation(ticket)
        try:
            await _call(
                lambda: self._client.chat_postMessage(
                    channel=channel, thread_ts=ts, text=text, metadata=metadata,
                    unfurl_links=False,
                )
            )
        except ChatError as exc:
            if exc.code not in CANNOT_POST_HERE:
                raise
            await self._confirm_by_dm(ticket, channel, exc.code)

    async def _confirm_by_dm(self, ticket: Ticket, channel: str, why: str) -> None:
        """Where the bot cannot post, the filer hears it in a direct message, looked for first
        as the thread reply is: a reset after Slack stored the DM must not send a second."""
        filer = ticket.filed_by or ticket.requester_id
        log.info("ticket %s: cannot reply in %s (%s); telling %s", ticket.id, channel, why, filer)
        opened = await _call(lambda: self._client.conversations_open(users=filer))
        dm = str((opened.get("channel") or {}).get("id") or filer)
        if await self._in_dm(ticket, dm):
            log.info("ticket %s: already confirmed to %s", ticket.id, filer)
            return
        text = messages.SOURCE_FILED_DM.format(
            url=ticket.jira_url, key=ticket.jira_key, channel=channel
        )
        await _call(
            lambda: self._client.chat_postMessage(
                channel=dm, text=text, metadata=_confirmation(ticket), unfurl_links=False
            )
        )

    async def _in_dm(self, ticket: Ticket, dm: str) -> bool:
        """Whether the DM has our confirmation, among the messages since the ticket began."""
        since = f"{ticket.created_at.timestamp() - 1:.6f}" if ticket.created_at else None
        return await _has_confirmation(ticket, lambda cursor: self._history_page(dm, since, cursor))

    async def _thread_root(self, channel: str, ts: str) -> str:
        """The ts of the thread ``ts`` is in (its own when it is not a reply): Slack asks for
        replies to be posted to the parent, never to another reply."""
        try:
            page = await _call(
                lambda: self._client.conversations_replies(channel=channel, ts=ts, limit=1)
            )
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable):
                raise
            return ts  # cannot read it (not in the channel): the DM fallback follows anyway
        for message in page.get("messages") or []:
            if message.get("ts") == ts:
                return str(message.get("thread_ts") or ts)
        return ts

    async def _history_page(self, channel: str, oldest: str | None, cursor: str | None) -> Any:
        return await _call(
            lambda: self._client.conversations_history(
                channel=channel, oldest=oldest, limit=REPLIES_PAGE, cursor=cursor,
                include_all_metadata=True,
            )
        )

    async def _replies_page(self, channel: str, ts: str, cursor: str | None) -> Any:
        return await _call(
            lambda: self._client.conversations_replies(
                channel=channel, ts=ts, limit=REPLIES_PAGE, cursor=cursor,
                include_all_metadata=True,
            )
        )

    async def _confirmed(self, ticket: Ticket, channel: str, ts: str) -> bool:
        """Whether the thread already has our reply for this ticket."""
        return await _has_confirmation(
            ticket, lambda cursor: self._replies_page(channel, ts, cursor)
        )


async def _has_confirmation(
    ticket: Ticket, page: Callable[[str | None], Awaitable[Any]]
) -> bool:
    """Whether any of the pages (at most ``REPLIES_PAGES``) has our confirmation of ``ticket``;
    False when Slack will not let the bot read them (not in the channel, no history scope)."""
    cursor: str | None = None
    for _ in range(REPLIES_PAGES):
        try:
            found = await page(cursor)
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable):
                raise
            return False
        if any(_confirms(message, ticket) for message in found.get("messages") or []):
            return True
        cursor = (found.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return False
    return False


def _confirmation(ticket: Ticket) -> dict[str, Any]:
    """The message metadata that marks the bot's "Filed as" for ``ticket``."""
    return {"event_type": CONFIRM_EVENT_TYPE, "event_payload": {"ticket_id": ticket.id}}


def _confirms(message: dict[str, Any], ticket: Ticket) -> bool:
    found = message.get("metadata") or {}
    payload = found.get("event_payload") or {}
    return bool(
        found.get("event_type") == CONFIRM_EVENT_TYPE and payload.get("ticket_id") == ticket.id
    )
