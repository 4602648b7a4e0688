"""Start-up sequence shared by `python app.py` and `ticketbot run`:
settings → logging → services → Slack app → Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import messages
from bot.errors import ConfigError, TicketbotError
from bot.logs import configure_logging
from bot.services import build_services
from bot.settings import Settings, require_for_run
from bot.settings_loader import load_settings
from bot.slack.app import create_app

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2


def main() -> int:
    try:
        settings = load_settings()
        require_for_run(settings)
    except ConfigError as exc:
        print(f"{messages.CONFIG_ERROR_PREFIX} {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.logging, secrets=settings.secret_values())
    try:
        asyncio.run(serve(settings))
    except TicketbotError as exc:
        log.error("ticketbot stopped: %s", exc)
        return EXIT_ERROR
    return EXIT_OK


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then finish in-flight work and close everything."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    services = await build_services(settings)
    app = create_app(services.slack_client, services.slack)
    assert settings.slack.app_token is not None  # require_for_run checked it
    handler = AsyncSocketModeHandler(app, settings.slack.app_token.get_secret_value())
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack over Socket Mode")
        services.start()
        await stop.wait()
        log.info("shutting down")
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]  # no new envelopes first
        await services.aclose()
        log.info("stopped")
