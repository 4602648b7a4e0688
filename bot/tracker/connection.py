"""The blocking ``jira`` client, built lazily and used only from a bounded thread pool.

The library's own retry (``ResilientSession``, blocking sleeps) is turned off with
``max_retries=0``: ``JiraRetry`` (``retry.py``) is the only retry in force.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from jira import JIRA

from bot.errors import ConfigError
from bot.settings import JiraSettings
from bot.tracker.boundary import map_error

log = logging.getLogger(__name__)
T = TypeVar("T")
ClientFactory = Callable[[JiraSettings], JIRA]


def build_client(settings: JiraSettings) -> JIRA:
    """A JIRA client for ``settings`` (blocking: it calls GET serverInfo)."""
    if not settings.base_url:
        raise ConfigError("JIRA_BASE_URL", "is missing", "set it to https://<site>.atlassian.net")
    options: dict[str, Any] = {
        "server": settings.base_url,
        "rest_api_version": str(settings.api_version),
        "check_update": False,
    }
    common: dict[str, Any] = {"options": options, "max_retries": 0, "timeout": settings.timeout_s}
    if settings.pat is not None:
        return JIRA(token_auth=settings.pat.get_secret_value(), **common)
    if settings.email and settings.api_token is not None:
        return JIRA(basic_auth=(settings.email, settings.api_token.get_secret_value()), **common)
    fix = "set JIRA_EMAIL and JIRA_API_TOKEN, or JIRA_PAT"
    raise ConfigError("JIRA_API_TOKEN", "is missing", fix)


class JiraConnection:
    """Runs calls on one lazily built JIRA client in a bounded pool, mapping errors."""

    def __init__(
        self, settings: JiraSettings, *, workers: int = 4, factory: ClientFactory = build_client
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jira")
        self._client: JIRA | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    async def call(self, fn: Callable[[JIRA], T], *, action: str, key: str | None = None) -> T:
        """Run ``fn(client)`` in the pool; raise our TrackerError on failure."""
        client = await self.client()
        return await self._in_pool(lambda: fn(client), action=action, key=key)

    async def client(self) -> JIRA:
        """The connected client, built on first use off the event loop."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await self._in_pool(
                    lambda: self._factory(self._settings), action="connect"
                )
                log.info(
                    "jira connected to %s (API v%s)",
                    self._settings.base_url,
                    self._settings.api_version,
                )
        return self._client

    async def _in_pool(self, fn: Callable[[], T], *, action: str, key: str | None = None) -> T:
        if self._closed:
            raise RuntimeError("the Jira connection is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn)
        except ConfigError:
            raise
        except Exception as exc:
            raise map_error(exc, key=key, action=action) from None

    @property
    def is_cloud(self) -> bool:
        return self._client is not None and getattr(self._client, "deploymentType", None) == "Cloud"

    async def aclose(self) -> None:
        """Close the HTTP session and stop the pool (running calls finish in the background)."""
        if self._closed:
            return
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await asyncio.get_running_loop().run_in_executor(self._pool, client.close)
        self._pool.shutdown(wait=False, cancel_futures=True)
