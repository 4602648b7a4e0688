"""``JiraChangeFeed``: one page of this bot's issues changed since a moment, with their
changelog and comments, in one search request (``bot.triage.sync`` drives it).

JQL (minute precision is all Jira accepts; the caller's overlap covers it)::

    project = "KAN" AND labels in ("ticketbot-<installation>-all", "ticketbot")
      AND updated >= "2026/12/05 15:28" ORDER BY updated ASC

Cloud pages ``/search/jql`` by token, Server ``/search`` by ``startAt`` (``search.py``). The
feed has its own small connection, so a poll never takes filing's connections. Errors
come back as our ``TrackerError`` tree (``Retry-After`` kept); the poller backs off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from jira import JIRA

from bot.settings import JiraSettings
from bot.tracker.changes import CHANGE_FIELDS, IssueChange, issue_change
from bot.tracker.connection import ClientFactory, JiraConnection, build_client
from bot.tracker.details import account_id
from bot.tracker.keys import PROJECT_KEY_RE, browse_url, jql_quote
from bot.tracker.search import raw_issues


@dataclass(frozen=True, slots=True)
class ChangesPage:
    issues: list[IssueChange]
    next_page: str | None = None


def changes_jql(project: str, labels: Sequence[str], since: datetime) -> str:
    if not PROJECT_KEY_RE.fullmatch(project):
        raise ValueError(f"not a project key: {project!r}")
    quoted = ", ".join(jql_quote(label) for label in labels)
    minute = since.astimezone(UTC).strftime("%Y/%m/%d %H:%M")
    return (
        f"project = {jql_quote(project)} AND labels in ({quoted}) "
        f'AND updated >= "{minute}" ORDER BY updated ASC'
    )


class JiraChangeFeed:
    def __init__(
        self, settings: JiraSettings, *, client_factory: ClientFactory = build_client
    ) -> None:
        self._base_url = settings.base_url or ""
        # Two threads: polls are sequential, the second keeps close() from queueing behind a
        # search stuck on a slow Jira at shutdown.
        self._conn = JiraConnection(settings, workers=2, factory=client_factory)
        self._me: str | None = None

    async def changed_page(
        self,
        project: str,
        labels: Sequence[str],
        since: datetime,
        *,
        page: str | None = None,
        size: int = 100,
    ) -> ChangesPage:
        """The issues of ``project`` carrying any of ``labels`` updated at or after ``since``
        (to the minute), oldest change first; ``page``: the previous page's ``next_page``."""
        jql = changes_jql(project, labels, since)
        await self._conn.client()
        cloud = self._conn.is_cloud
        result = await self._conn.call(
            lambda c: _search(c, jql, cloud=cloud, page=page, size=size), action="poll changes"
        )
        raw = raw_issues(result)
        issues = [change for item in raw if (change := issue_change(item)) is not None]
        return ChangesPage(issues, _next(result, raw, page, cloud=cloud))

    async def existing_keys(self, project: str, labels: Sequence[str]) -> set[str]:
        """The keys of every issue of ``project`` carrying any of ``labels`` (keys only: Cloud
        pages 5,000 of them), to find the issues deleted or moved away."""
        if not PROJECT_KEY_RE.fullmatch(project):
            raise ValueError(f"not a project key: {project!r}")
        quoted = ", ".join(jql_quote(label) for label in labels)
        jql = f"project = {jql_quote(project)} AND labels in ({quoted}) ORDER BY key ASC"
        await self._conn.client()
        cloud = self._conn.is_cloud
        keys: set[str] = set()
        page: str | None = None
        while True:
            result = await self._conn.call(
                partial(_keys, jql=jql, cloud=cloud, page=page), action="list issues"
            )
            raw = raw_issues(result)
            keys.update(str(item["key"]) for item in raw if item.get("key"))
            following = _next(result, raw, page, cloud=cloud)
            if following is None or following == page:
                return keys
            page = following

    async def bot_account(self) -> str | None:
        """The account the bot writes to Jira as (its own comments and changes are not news)."""
        if self._me is None:
            me: dict[str, Any] = await self._conn.call(lambda c: c.myself(), action="myself")
            self._me = account_id(me)
        return self._me

    def browse_url(self, key: str) -> str:
        return browse_url(self._base_url, key)

    async def aclose(self) -> None:
        await self._conn.aclose()


def _search(client: JIRA, jql: str, *, cloud: bool, page: str | None, size: int) -> Any:
    fields = list(CHANGE_FIELDS)  # a fresh list: the library rewrites it in place
    if cloud:
        return client.enhanced_search_issues(
            jql,
            nextPageToken=page,
            maxResults=size,
            fields=fields,
            expand="changelog",
            json_result=True,
        )
    start = int(page) if page and page.isdigit() else 0
    return client.search_issues(
        jql, startAt=start, maxResults=size, fields=fields, expand="changelog", json_result=True
    )


def _keys(client: JIRA, jql: str, *, cloud: bool, page: str | None) -> Any:
    if cloud:
        return client.enhanced_search_issues(
            jql, nextPageToken=page, maxResults=5000, fields=["key"], json_result=True
        )
    start = int(page) if page and page.isdigit() else 0
    return client.search_issues(
        jql, startAt=start, maxResults=1000, fields=["key"], json_result=True
    )


def _next(result: Any, raw: list[dict[str, Any]], page: str | None, *, cloud: bool) -> str | None:
    body: dict[str, Any] = result if isinstance(result, dict) else {}
    if not raw or body.get("isLast") is True:
        return None
    if cloud:
        token = body.get("nextPageToken")
        return str(token) if token else None
    start = int(page) if page and page.isdigit() else 0
    after = start + len(raw)
    total = body.get("total")
    return None if isinstance(total, int) and after >= total else str(after)
