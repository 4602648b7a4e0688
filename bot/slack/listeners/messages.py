"""Message events (``message.channels`` / ``message.groups`` / ``message.im``): replies in a
ticket's thread, their edits and deletions, copied to Jira (``bot.triage.thread_sync``).

Bolt acknowledges events itself before the listener runs, so the reply is recorded earlier, by
a listener middleware (``record_message``): an event is acknowledged only once its reply is in
the database, and a crash or a database error before that leaves it unacknowledged for Slack to
redeliver. The listener then copies it to Jira in the background, where the loop in
``ThreadSync`` retries it. Bot and app messages (the bot's own included) and messages outside a
thread are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.acks import recorded_before_ack
from bot.slack.context import SlackServices, services_of
from bot.tickets import SourceFile
from bot.triage.thread_sync import ThreadReply

log = logging.getLogger(__name__)
#: The context key under which ``record_message`` leaves the row it recorded.
RECORDED_ROW = "ticketbot_recorded_row"
#: Subtypes of a message a person typed (with files, or also sent to the channel).
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


async def record_message(
    event: dict[str, Any], context: AsyncBoltContext, next_: Callable[[], Awaitable[None]]
) -> None:
    """Listener middleware, before Bolt's ack: the reply, edit or deletion is recorded."""
    context[RECORDED_ROW] = await recorded_before_ack(_record(services_of(context), event))
    await next_()


async def handle_message(context: AsyncBoltContext) -> None:
    """After the ack: the recorded row is copied to Jira in the background."""
    row_id = context.get(RECORDED_ROW)
    if row_id is not None:
        services = services_of(context)
        services.background.spawn(services.threads.push(row_id), name=f"thread-reply-{row_id}")


async def _record(services: SlackServices, event: dict[str, Any]) -> int | None:
    subtype = event.get("subtype")
    channel = str(event.get("channel") or "")
    if subtype in PERSON_SUBTYPES:
        reply = thread_reply(event, channel)
        return await services.threads.reply(reply) if reply is not None else None
    if subtype == "message_changed":
        return await _edited(services, channel, event)
    if subtype == "message_deleted":
        return await services.threads.deleted(channel, str(event.get("deleted_ts") or ""))
    return None


def register(app: AsyncApp) -> None:
    app.event("message", middleware=[record_message])(handle_message)


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
