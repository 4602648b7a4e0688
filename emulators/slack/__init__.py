"""A Slack emulator (Web API, Socket Mode, response_url) for the sandbox and the tests.

    from emulators.slack import SlackEmulator

    async with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test") as slack:
        client = AsyncWebClient("xoxb-test", base_url=slack.api_url)

Standalone, for manual runs: `python -m emulators.slack --port 8765`, then point the bot
at SLACK_API_URL=http://127.0.0.1:8765/api/ and drive it with `POST /_emulator/slash_command`,
`/_emulator/click_button`, `/_emulator/submit_view`, `/_emulator/disconnect`,
`/_emulator/post_message`, `/_emulator/message_shortcut`, `/_emulator/react` and
`GET /_emulator/state` (see control.py).
"""

from __future__ import annotations

from .faults import FaultPlan
from .model import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_SCOPES,
    TEAM_ID,
    Ack,
    ApiCall,
    Channel,
    Envelope,
    EphemeralMessage,
    ResponseUrlPost,
    StoredMessage,
    User,
    ViewRecord,
    default_channels,
    default_users,
)
from .server import SlackEmulator

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_SCOPES",
    "TEAM_ID",
    "Ack",
    "ApiCall",
    "Channel",
    "Envelope",
    "EphemeralMessage",
    "FaultPlan",
    "ResponseUrlPost",
    "SlackEmulator",
    "StoredMessage",
    "User",
    "ViewRecord",
    "default_channels",
    "default_users",
]
