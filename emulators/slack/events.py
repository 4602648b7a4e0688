"""Payloads for what people do to messages: Events API envelopes (``message``,
``reaction_added``) and the message shortcut (``message_action``), shaped as Slack sends them
(PROTOCOLS.md §1.2)."""

from __future__ import annotations

import time
import uuid

from .model import APP_ID, BOT_USER_ID, JSON, TEAM_DOMAIN, TEAM_ID, Channel, StoredMessage, User
from .payloads import VERIFICATION_TOKEN

CHANNEL_TYPES = {"public": "channel", "private": "group", "im": "im"}


def event_callback(event: JSON) -> JSON:
    """The ``events_api`` envelope payload around ``event``."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event.get('type')}-{TEAM_ID}",
    }


def message_event(message: StoredMessage, channel: Channel) -> JSON:
    """A ``message`` event (message.channels / .groups / .im) for a new message."""
    event: JSON = {**message.to_api(), "channel": channel.id, "event_ts": message.ts}
    event["channel_type"] = CHANNEL_TYPES[channel.kind]
    return event


def reaction_added(user: User, reaction: str, message: StoredMessage) -> JSON:
    return {
        "type": "reaction_added",
        "user": user.id,
        "reaction": reaction,
        "item_user": message.user,
        "item": {"type": "message", "channel": message.channel, "ts": message.ts},
        "event_ts": f"{time.time():.6f}",
    }


def message_action(
    callback_id: str,
    user: User,
    channel: Channel,
    message: StoredMessage,
    *,
    trigger_id: str,
    response_url: str,
) -> JSON:
    """A message shortcut (``type: message_action``)."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": {"id": user.id, "name": user.name, "username": user.name, "team_id": TEAM_ID},
        "channel": {"id": channel.id, "name": channel.name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "message_ts": message.ts,
        "message": message.to_api(),
        "response_url": response_url,
    }
