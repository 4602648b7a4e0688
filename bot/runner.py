"""Start-up sequence shared by `python app.py` and `ticketbot run`:
settings → logging → services → Slack app → Socket Mode; and the shutdown.

The first SIGINT or SIGTERM starts an orderly shutdown with one deadline,
``pipeline.shutdown_grace_s`` from that signal: Socket Mode closes (no new envelopes), the
listeners' background tasks and the worker's in-flight tickets share the time up to
``SHUTDOWN_CLOSE_S`` before it, then every connection closes. If the process is still alive
at the deadline (a thread still inside a Jira or model call), it exits anyway. A second signal
during the shutdown exits at once with ``128 + signal number``. Either way nothing is lost:
each step of a ticket is persisted before the next, and an unfinished one resumes at the next
start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from typing import NoReturn

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import messages
from bot.errors import ConfigError, TicketbotError
from bot.logs import configure_logging
from bot.malloc import limit_arenas
from bot.metrics_http import MetricsServer
from bot.services import build_services
from bot.settings import Settings, require_for_run
from bot.settings_loader import load_settings
from bot.slack.app import create_app

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2
SHUTDOWN_CLOSE_S = 2.0  # of the grace, kept for closing connections after the drains


def main() -> int:
    try:
        settings = load_settings()
        require_for_run(settings)
    except ConfigError as exc:
        print(f"{messages.CONFIG_ERROR_PREFIX} {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.logging, secrets=settings.secret_values())
    limit_arenas()  # before the worker threads start
    shutdown = Shutdown(settings.pipeline.shutdown_grace_s)
    try:
        asyncio.run(serve(settings, shutdown))
    except TicketbotError as exc:
        log.error("ticketbot stopped: %s", exc)
        return EXIT_ERROR
    finally:
        shutdown.after_loop()
    return EXIT_OK


class Shutdown:
    """One shutdown: its deadline, the watchdog that enforces it, and the second signal."""

    def __init__(self, grace_s: float) -> None:
        self.requested = asyncio.Event()
        self._grace_s = grace_s
        self._deadline: float | None = None
        self._watchdog: threading.Timer | None = None
        self._closed = False

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.requested.is_set():
            log.warning("%s during the shutdown: exiting now (code %s); unfinished steps resume "
                        "at the next start", name, 128 + signum)
            _exit_now(128 + signum)
        log.info("%s: shutting down within %gs (send it again to exit at once)", name,
                 self._grace_s)
        self.begin()
        self.requested.set()

    def begin(self) -> float:
        """Start the shutdown once: arm the watchdog; return the drains' deadline (loop clock)."""
        if self._deadline is None:
            reserve = min(SHUTDOWN_CLOSE_S, self._grace_s / 4)
            loop_now = asyncio.get_running_loop().time()
            self._deadline = loop_now + self._grace_s - reserve
            self._watchdog = threading.Timer(self._grace_s, self._overdue)
            self._watchdog.daemon = True
            self._watchdog.start()
        return self._deadline

    def closed(self) -> None:
        """Everything is closed; only threads still inside a library call may be left."""
        self._closed = True

    def _overdue(self) -> None:
        if self._closed:
            log.warning("shutdown: a thread is still inside a Jira or model call after %gs; "
                        "exiting without it (its step resumes at the next start)", self._grace_s)
            _exit_now(EXIT_OK)
        log.error("shutdown: not finished after %gs (pipeline.shutdown_grace_s); exiting now; "
                  "unfinished steps resume at the next start", self._grace_s)
        _exit_now(EXIT_ERROR)

    def after_loop(self) -> None:
        """After the event loop. Stopped by a signal, the process is on its way out: another
        signal while the last threads finish exits at once, and the watchdog stays armed.
        Otherwise (a start-up error) the watchdog is not needed."""
        if not self.requested.is_set():
            if self._watchdog is not None:
                self._watchdog.cancel()
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, _frame: _exit_now(128 + number))


def _exit_now(code: int) -> NoReturn:
    """Exit without waiting for anything (every step is already persisted)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


async def serve(settings: Settings, shutdown: Shutdown | None = None) -> None:
    """Run until SIGINT or SIGTERM, then finish in-flight work and close everything."""
    shutdown = shutdown or Shutdown(settings.pipeline.shutdown_grace_s)
    shutdown.install()
    services = await build_services(settings)
    app = create_app(services.slack_client, services.slack)
    assert settings.slack.app_token is not None  # require_for_run checked it
    handler = AsyncSocketModeHandler(app, settings.slack.app_token.get_secret_value())
    endpoint: MetricsServer | None = None
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack over Socket Mode")
        endpoint = await services.start_endpoint(handler.client.is_connected)
        services.start()
        await shutdown.requested.wait()
    finally:
        deadline = shutdown.begin()
        await handler.close_async()  # type: ignore[no-untyped-call]  # no new envelopes first
        if endpoint is not None:
            await endpoint.aclose()
        await services.aclose(deadline)
        shutdown.closed()
        log.info("stopped")
