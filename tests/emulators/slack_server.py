"""Slack emulator entry point.

    from tests.emulators.slack_server import SlackEmulator

    async with SlackEmulator(bot_token="xoxb-test", app_token="xapp-test") as slack:
        client = AsyncWebClient("xoxb-test", base_url=slack.api_url)

Standalone, for manual runs: `python -m tests.emulators.slack_server --port 8765`,
then point the bot at SLACK_API_URL=http://127.0.0.1:8765/api/ and drive it with
`POST /_emulator/slash_command`, `/_emulator/click_button`, `/_emulator/submit_view`,
`/_emulator/disconnect` and `GET /_emulator/state` (see tests/emulators/slack/control.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from tests.emulators.slack.faults import FaultPlan
from tests.emulators.slack.model import (
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
from tests.emulators.slack.server import SlackEmulator

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


async def _serve(args: argparse.Namespace) -> None:
    scopes = args.scopes.split(",") if args.scopes else DEFAULT_SCOPES
    emulator = SlackEmulator(
        bot_token=args.bot_token, app_token=args.app_token, scopes=scopes, port=args.port
    )
    async with emulator:
        print(f"Slack emulator: SLACK_API_URL={emulator.api_url}", flush=True)
        print(f"tokens: bot={args.bot_token} app={args.app_token}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Slack emulator standalone.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bot-token", default="xoxb-test")
    parser.add_argument("--app-token", default="xapp-test")
    parser.add_argument("--scopes", default="", help="comma-separated bot scopes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
