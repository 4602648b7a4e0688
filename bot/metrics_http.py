"""The opt-in health and metrics endpoint (``metrics.enabled``), served with aiohttp on the
bot's event loop. It is for a monitoring agent or a container health check on the same host
(bound to 127.0.0.1 by default), never a Slack endpoint: the bot reaches Slack over Socket Mode.

- ``GET /healthz``: 200 ``ok`` when ``healthy()`` is true (connected to Slack, the database
  answers), else 503 with the reason;
- ``GET /metrics``: ``refresh()`` sets the scrape-time gauges, then ``bot.metrics.REGISTRY`` in
  the Prometheus text format.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import REGISTRY

log = logging.getLogger(__name__)

Health = Callable[[], Awaitable[str | None]]  # None when healthy, else the reason
Refresh = Callable[[], Awaitable[None]]


class MetricsServer:
    def __init__(self, host: str, port: int, *, health: Health, refresh: Refresh) -> None:
        self.host, self.port = host, port
        self._health = health
        self._refresh = refresh
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if runner.addresses:  # the real port when 0 asked for any free one
            self.port = int(runner.addresses[0][1])
        log.info("health and metrics on http://%s:%s/ (healthz, metrics)", self.host, self.port)

    async def aclose(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            problem = await self._health()
        except Exception as exc:  # a health check that raises is an unhealthy bot
            problem = f"health check failed: {type(exc).__name__}"
        if problem is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=f"unhealthy: {problem}\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            await self._refresh()
        except Exception:
            log.exception("metrics: could not refresh the scrape-time gauges")
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
