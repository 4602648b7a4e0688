"""The app's error handler: whatever a listener did not handle is logged and answered.

Listeners convert the errors they expect; this is the net under them. The person who clicked
or typed gets one short sentence (never the exception), privately.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.errors import EventNotRecorded

log = logging.getLogger(__name__)


async def handle_error(
    error: Exception,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond | None = None,
) -> None:
    kind, user_id, channel_id = _who_and_where(body)
    if isinstance(error, EventNotRecorded):  # no ack: Slack delivers it again (bot.slack.acks)
        log.warning(
            "%s event not recorded, left for Slack to redeliver: %s", _event_type(body), error
        )
        return
    log.error(
        "unhandled error in a %s listener (user %s, channel %s): %s",
        kind,
        user_id or "-",
        channel_id or "-",
        type(error).__name__,
        exc_info=error,
    )
    try:
        if respond is not None:
            await respond(text=messages.UNEXPECTED, response_type="ephemeral",
                          replace_original=False)
        elif user_id and channel_id:
            await client.chat_postEphemeral(
                channel=channel_id, user=user_id, text=messages.UNEXPECTED
            )
    except (SlackApiError, ClientError, OSError) as exc:
        log.warning("could not tell %s about the error: %s", user_id or "-", type(exc).__name__)


def _event_type(body: dict[str, Any]) -> str:
    event = body.get("event")
    return str(event.get("type")) if isinstance(event, dict) else "an"


def _who_and_where(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """The payload's kind, the acting user and the channel, whatever the payload's shape."""
    kind = str(body.get("type") or ("command" if "command" in body else "event"))
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
    return kind, user_id, channel_id
