"""An issue's attachments: list them, add one (``jira``'s ``add_attachment``, in the pool).

It has its own small connection pool (``sources.jira_workers``), so copying large files
never takes the connections that filing and status lookups use.

Adding is not idempotent in Jira (the same file twice is two attachments), so an upload is
sent again only when Jira certainly did nothing (``JiraRetry``'s ``idempotent=False``); a
caller that retries after an unclear failure lists the attachments first
(``bot.triage.sources``).
"""

from __future__ import annotations

import io
import logging
from typing import Any, cast

from bot.settings import JiraSettings
from bot.tracker.connection import ClientFactory, JiraConnection, build_client
from bot.tracker.keys import normalize_issue_key
from bot.tracker.retry import JiraRetry

log = logging.getLogger(__name__)


class TrackerAttachments:
    """The ``Attachments`` port (``bot.triage.ports``) over the tracker's connection."""

    def __init__(
        self, settings: JiraSettings, *, workers: int = 2, factory: ClientFactory = build_client
    ) -> None:
        self._conn = JiraConnection(settings, workers=workers, factory=factory)
        self._retry = JiraRetry(max_attempts=settings.max_attempts)

    async def listed(self, key: str) -> list[tuple[str, int]]:
        """(filename, size) of each attachment of ``key``."""
        key = normalize_issue_key(key)
        issue = await self._retry.run(
            lambda: self._conn.call(
                lambda c: c.issue(key, fields="attachment"), action="list attachments", key=key
            ),
            what=f"list attachments {key}",
        )
        raw = (issue.raw or {}).get("fields", {}).get("attachment") or []
        return [(str(a.get("filename")), int(a.get("size") or 0)) for a in raw]

    async def add(self, key: str, filename: str, content: bytes) -> None:
        key = normalize_issue_key(key)
        await self._retry.run(
            lambda: self._conn.call(
                lambda c: c.add_attachment(key, cast(Any, io.BytesIO(content)), filename=filename),
                action="attach",
                key=key,
            ),
            what=f"attach to {key}",
            idempotent=False,
        )
        log.info("jira %s: attached %s (%s bytes)", key, filename, len(content))

    async def aclose(self) -> None:
        await self._conn.aclose()
