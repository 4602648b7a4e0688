"""Slack emulator entry point for the tests; the emulator lives in `bot.sandbox.slack`.

    from tests.emulators.slack_server import SlackEmulator

Standalone: `python -m tests.emulators.slack_server --port 8765` (or `python -m bot.sandbox.slack`).
"""

from __future__ import annotations

from bot.sandbox.slack import (
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
    FaultPlan,
    ResponseUrlPost,
    SlackEmulator,
    StoredMessage,
    User,
    ViewRecord,
    default_channels,
    default_users,
)
from bot.sandbox.slack.standalone import main

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
    "main",
]

if __name__ == "__main__":
    main()
