"""`python -m emulators.slack`: the Slack emulator alone, for manual runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .model import DEFAULT_SCOPES
from .server import SlackEmulator


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
