"""People edit and delete their messages: the stored message changes, and Slack sends the
``message`` event with subtype ``message_changed`` or ``message_deleted`` (hidden), only
where the bot is a member, as for new messages.

Control routes: ``POST /_emulator/edit_message`` ``{"channel", "ts", "text"}`` and
``POST /_emulator/delete_message`` ``{"channel", "ts"}``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web

from . import events
from .model import JSON, Channel, StoredMessage

if TYPE_CHECKING:
    from .server import SlackEmulator


class MessageChanges:
    def __init__(self, emulator: SlackEmulator) -> None:
        self._emulator = emulator

    async def edit(self, channel: str, ts: str, text: str) -> str | None:
        """The author edited the message; the envelope_id of the event (None: not sent)."""
        where = self._emulator.channel(channel)
        message = self._emulator.state.message(where.id, ts)
        before = message.to_api()
        message.replace(text, message.blocks, "user_edit")
        after = message.to_api()
        after["edited"] = {"user": message.user, "ts": _now()}
        event = _hidden(where, "message_changed", message=after, previous_message=before)
        return await self._deliver(where, event)

    async def delete(self, channel: str, ts: str) -> str | None:
        """The author deleted the message; the envelope_id of the event (None: not sent)."""
        where = self._emulator.channel(channel)
        message = self._emulator.state.message(where.id, ts)
        before = message.to_api()
        message.deleted = True
        _drop_reply(self._emulator, where, message)
        event = _hidden(where, "message_deleted", deleted_ts=ts, previous_message=before)
        return await self._deliver(where, event)

    async def _deliver(self, where: Channel, event: JSON) -> str | None:
        if not where.bot_is_member:
            return None
        return await self._emulator.push_envelope("events_api", events.event_callback(event))


def _now() -> str:
    return f"{time.time():.6f}"


def _hidden(where: Channel, subtype: str, **fields: object) -> JSON:
    now = _now()
    return {
        "type": "message",
        "subtype": subtype,
        "hidden": True,
        "channel": where.id,
        "channel_type": events.CHANNEL_TYPES[where.kind],
        "ts": now,
        "event_ts": now,
        **fields,
    }


def _drop_reply(emulator: SlackEmulator, where: Channel, message: StoredMessage) -> None:
    if message.thread_ts and message.thread_ts != message.ts:
        parent = next(
            (m for m in emulator.state.messages.get(where.id, []) if m.ts == message.thread_ts),
            None,
        )
        if parent is not None and parent.reply_count:
            parent.reply_count -= 1


def add_change_routes(app: web.Application, emulator: SlackEmulator) -> None:
    changes = emulator.changes

    async def edit(request: web.Request) -> web.Response:
        body = await request.json()
        envelope_id = await changes.edit(body["channel"], body["ts"], body["text"])
        return web.json_response({"ok": True, "envelope_id": envelope_id})

    async def delete(request: web.Request) -> web.Response:
        body = await request.json()
        envelope_id = await changes.delete(body["channel"], body["ts"])
        return web.json_response({"ok": True, "envelope_id": envelope_id})

    app.router.add_post("/_emulator/edit_message", edit)
    app.router.add_post("/_emulator/delete_message", delete)
