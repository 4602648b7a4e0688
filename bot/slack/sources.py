"""Slack for tickets filed from a message: read the message, download its files, confirm in its
thread (the ``SourceChat`` port; the use cases are in ``bot.triage.sources``).

- A file is read with ``files.info`` (``files:read``), then ``url_private_download`` with the
  bot token as ``Authorization: Bearer``; at most ``max_bytes`` are read. Deleted files, files
  the bot may not read and files over the cap are ``FileUnavailable`` (listed in Jira as not
  copied); Slack down or rate-limiting is ``ChatUnavailable`` (the copy is retried).
- "Filed as KAN-12" is posted once (``bot.slack.confirmations``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.db.models import Ticket
from bot.errors import ChatError, ChatUnavailable, FileUnavailable
from bot.slack.chat import _call
from bot.slack.confirmations import SourceConfirmation
from bot.tickets import SourceFile
from bot.triage.ports import Person
from bot.triage.slack_text import mentioned_users, to_plain
from bot.triage.sources import FoundMessage, MessageFiling

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 120.0
_MENTION = re.compile(r"<[@#!][^<>]*>")  # people, channels, @here: no words of their own
GONE = frozenset({"file_not_found", "file_deleted", "missing_scope", "not_visible"})


def found_message(
    message: dict[str, Any],
    channel_id: str,
    *,
    names: dict[str, str],
    permalink: str | None = None,
    author_name: str | None = None,
) -> FoundMessage:
    """A Slack message (as events, shortcuts and conversations.* give it) as plain values."""
    files = tuple(
        SourceFile(str(f["id"]), str(f.get("name") or f["id"]), int(f.get("size") or 0))
        for f in message.get("files") or []
        if f.get("id") and f.get("mode") != "tombstone"
    )
    raw = str(message.get("text") or "")
    return FoundMessage(
        channel_id=channel_id,
        ts=str(message["ts"]),
        author_id=str(message.get("user") or message.get("bot_id") or ""),
        text=to_plain(raw, names).strip(),
        only_mentions=not any(ch.isalnum() for ch in _MENTION.sub("", raw)),
        from_bot=bool(message.get("bot_id")) or message.get("subtype") == "bot_message",
        files=files,
        permalink=permalink,
        author_name=author_name,
    )


class SlackSources:
    def __init__(
        self, client: AsyncWebClient, person: Callable[[str], Awaitable[Person]]
    ) -> None:
        self._client = client
        self._person = person  # SlackChat.person: cached users.info
        self._confirmation = SourceConfirmation(client)

    async def _person_name(self, user_id: str) -> str:
        return (await self._person(user_id)).name

    # -- reading the message ------------------------------------------------------

    async def names(self, text: str) -> dict[str, str]:
        """Display names of the people ``text`` mentions (the id where unknown)."""
        found: dict[str, str] = {}
        for user in mentioned_users(text)[:20]:
            try:
                found[user] = await self._person_name(user)
            except ChatError:
                continue
        return found

    async def permalink(self, channel_id: str, ts: str) -> str | None:
        try:
            answer = await _call(
                lambda: self._client.chat_getPermalink(channel=channel_id, message_ts=ts)
            )
        except ChatError as exc:
            log.info("no permalink for %s in %s: %s", ts, channel_id, exc)
            return None
        return str(answer.get("permalink") or "") or None

    async def read(self, channel_id: str, ts: str) -> FoundMessage | None:
        """The message at ``ts`` (top level or in a thread), converted; None if gone."""
        raw = await self._raw_message(channel_id, ts)
        if raw is None:
            return None
        author = str(raw.get("user") or "")
        name = None
        if author and not raw.get("bot_id"):
            try:
                name = await self._person_name(author)
            except ChatError:
                name = None
        return found_message(
            raw,
            channel_id,
            names=await self.names(str(raw.get("text") or "")),
            permalink=await self.permalink(channel_id, ts),
            author_name=name,
        )

    async def _raw_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        history = await _call(
            lambda: self._client.conversations_history(
                channel=channel_id, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        )
        for message in history.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        try:  # a reply in a thread is not in the channel's history
            replies = await _call(
                lambda: self._client.conversations_replies(channel=channel_id, ts=ts, limit=1)
            )
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable):
                raise
            return None
        for message in replies.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        return None

    # -- the SourceChat port ---------------------------------------------------------

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        try:
            info = await _call(lambda: self._client.files_info(file=file_id))
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable):
                raise
            raise FileUnavailable(file_id, messages.FILE_GONE, code=exc.code) from None
        file = info.get("file") or {}
        name = str(file.get("name") or file_id)
        url = file.get("url_private_download") or file.get("url_private")
        if not url:
            raise FileUnavailable(name, messages.FILE_GONE, code="no_url")
        return await self._fetch(str(url), name, max_bytes)

    async def _fetch(self, url: str, name: str, max_bytes: int) -> bytes:
        headers = {"Authorization": f"Bearer {self._client.token}"}
        timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(url, headers=headers) as response,
            ):
                if response.status in (401, 403, 404, 410):
                    raise FileUnavailable(name, messages.FILE_GONE, code=str(response.status))
                if response.status != 200:
                    raise ChatUnavailable(f"file download answered {response.status}")
                content = await _read_at_most(response, max_bytes + 1)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ChatUnavailable(f"file download failed: {type(exc).__name__}") from None
        if len(content) > max_bytes:
            limit = f"{max_bytes / (1024 * 1024):.1f} MB"
            reason = messages.FILE_TOO_BIG.format(size="it", limit=limit)
            raise FileUnavailable(name, reason, code="too_big")
        return content

    async def confirm_filed(self, ticket: Ticket) -> None:
        await self._confirmation.post(ticket)

async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or its first ``limit`` bytes (a larger file is not read to the end)."""
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


@dataclass(frozen=True, slots=True)
class MessageSources:
    """What the shortcut and reaction listeners need (``bot.slack.listeners.sources``)."""

    filing: MessageFiling
    slack: SlackSources
