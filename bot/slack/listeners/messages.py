"""Message events (``message.channels`` / ``message.groups`` / ``message.im``): replies in a
ticket's thread, their edits and deletions, copied to Jira (``bot.triage.thread_sync``).

Bolt acknowledges events itself before the listener runs; the listener records the reply at
once (a few milliseconds: only a crash in that window loses it) and copies it to Jira in the
background, where the loop in ``ThreadSync`` retries it. Bot and app messages (the bot's own
included) and messages outside a thread are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.context import SlackServices, services_of
from bot.tickets import SourceFile
from bot.triage.thread_sync import ThreadReply

log = logging.getLogger(__name__)
#: Subtypes of a message a person typed (with files, or also sent to the channel).
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


async def handle_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """Acknowledged by Bolt already (events are auto-acknowledged)."""
    services = services_of(context)
    subtype = event.get("subtype")
    channel = str(event.get("channel") or "")
    row_id: int | None = None
    if subtype in PERSON_SUBTYPES:
        reply = thread_reply(event, channel)
        if reply is not None:
            row_id = await services.threads.reply(reply)
    elif subtype == "message_changed":
        row_id = await _edited(services, channel, event)
    elif subtype == "message_deleted":
        row_id = await services.threads.deleted(channel, str(event.get("deleted_ts") or ""))
    if row_id is not None:
        services.background.spawn(services.threads.push(row_id), name=f"thread-reply-{row_id}")


def register(app: AsyncApp) -> None:
    app.event("message")(handle_message)


def thread_reply(event: dict[str, Any], channel: str) -> ThreadReply | None:
    """The reply a person posted in a thread, or None (a bot, an app, not in a thread)."""
    if event.get("bot_id") or event.get("app_id") or not event.get("user"):
        return None
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if not thread_ts or not ts or thread_ts == ts:
        return None
    return ThreadReply(
        channel_id=channel,
        ts=str(ts),
        thread_ts=str(thread_ts),
        user_id=str(event["user"]),
        text=str(event.get("text") or ""),
        files=shared_files(event),
    )


def shared_files(message: dict[str, Any]) -> tuple[SourceFile, ...]:
    """The files shared with a message (deleted ones, "tombstones", left out)."""
    return tuple(
        SourceFile(
            str(f["id"]), str(f.get("name") or f.get("title") or f["id"]), int(f.get("size") or 0)
        )
        for f in message.get("files") or []
        if isinstance(f, dict) and f.get("id") and f.get("mode") != "tombstone"
    )


async def _edited(services: SlackServices, channel: str, event: dict[str, Any]) -> int | None:
    message, before = event.get("message") or {}, event.get("previous_message") or {}
    if message.get("bot_id") or not message.get("thread_ts"):
        return None
    text, files = str(message.get("text") or ""), shared_files(message)
    if text == str(before.get("text") or "") and files == shared_files(before):
        return None  # an unfurl, a reaction count, a reply count: nothing a person changed
    return await services.threads.edited(channel, str(message.get("ts") or ""), text, files)
