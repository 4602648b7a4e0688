"""Start-up sequence shared by `python app.py` and `ticketbot run`."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot import messages
from bot.errors import ConfigError, TicketbotError
from bot.logs import configure_logging
from bot.services import build_services
from bot.settings import Settings, load_settings, require_for_run
from bot.slack.app import SlackBot

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
    bot = SlackBot(services)
    try:
        await bot.start()
        await stop.wait()
        log.info("shutting down")
    finally:
        await bot.stop()
        await services.aclose()
