"""Paged issue search returning each issue's text (summary, type, description) in the search.

Jira Cloud pages ``GET /rest/api/<v>/search/jql`` with ``nextPageToken`` (no ``total``; the
old ``/search`` is being removed there); Server / Data Center pages ``GET /search`` with
``startAt`` / ``maxResults`` / ``total``. The ``jira`` package picks the endpoint by the
server's ``deploymentType`` and so do we. Both cap a page below what was asked (Cloud about
100 issues once fields are requested, Server ``maxResults`` ≤ 1000 by default), so a page is
never assumed full: the cursor is Cloud's token, or on Server the ``startAt`` after the
issues actually returned. Errors are mapped by ``JiraConnection.call`` like every other call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from jira import JIRA

from bot.tracker.adf import rich_text_to_plain
from bot.tracker.connection import JiraConnection
from bot.tracker.models import FoundIssue
from bot.tracker.retry import JiraRetry

SEARCH_FIELDS = ("summary", "issuetype", "description", "labels")
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; ``next_page`` (opaque) asks for the following one, None at the end."""

    issues: list[FoundIssue]
    next_page: str | None = None


async def fetch_page(
    conn: JiraConnection,
    retry: JiraRetry,
    jql: str,
    *,
    page: str | None = None,
    size: int = PAGE_SIZE,
) -> SearchPage:
    """The page of ``jql`` at cursor ``page`` (None: the first), at most ``size`` issues."""

    async def attempt() -> SearchPage:
        await conn.client()
        cloud = conn.is_cloud
        start = _int(page) or 0  # Server's cursor is the next startAt
        result = await conn.call(
            lambda c: _search(c, jql, cloud=cloud, page=page, start=start, size=size),
            action="search",
        )
        return cloud_page(result) if cloud else server_page(result, start)

    return await retry.run(attempt, what="search")


async def iter_pages(
    conn: JiraConnection, retry: JiraRetry, jql: str, *, limit: int, size: int = PAGE_SIZE
) -> AsyncIterator[list[FoundIssue]]:
    """Every page of ``jql`` in order, ``limit`` issues in all at most."""
    cursor: str | None = None
    left = limit
    while left > 0:
        found = await fetch_page(conn, retry, jql, page=cursor, size=min(size, left))
        batch = found.issues[:left]
        left -= len(batch)
        if batch:
            yield batch
        if found.next_page is None or found.next_page == cursor:
            return
        cursor = found.next_page


def _search(client: JIRA, jql: str, *, cloud: bool, page: str | None, start: int, size: int) -> Any:
    fields = list(SEARCH_FIELDS)  # a fresh list: the library rewrites it in place
    if cloud:
        return client.enhanced_search_issues(
            jql, nextPageToken=page, maxResults=size, fields=fields, json_result=True
        )
    return client.search_issues(
        jql, startAt=start, maxResults=size, fields=fields, json_result=True
    )


def cloud_page(result: Any) -> SearchPage:
    """A ``/search/jql`` answer: the last page has no ``nextPageToken`` (or ``isLast``)."""
    raw = raw_issues(result)
    token = result.get("nextPageToken") if isinstance(result, dict) else None
    last = not raw or not token or result.get("isLast") is True
    return SearchPage(_found(raw), None if last else str(token))


def server_page(result: Any, start: int) -> SearchPage:
    """A ``/search`` answer: the next ``startAt`` follows the issues returned, up to ``total``."""
    raw = raw_issues(result)
    body: dict[str, Any] = result if isinstance(result, dict) else {}
    begin = _int(body.get("startAt"))
    after = (start if begin is None else begin) + len(raw)
    total = _int(body.get("total"))
    last = not raw or body.get("isLast") is True or (total is not None and after >= total)
    return SearchPage(_found(raw), None if last else str(after))


def found_issue(raw: dict[str, Any]) -> FoundIssue | None:
    """Key, type name, summary and plain-text description of a raw issue; None without a key."""
    if not raw.get("key"):
        return None
    fields: dict[str, Any] = raw["fields"] if isinstance(raw.get("fields"), dict) else {}
    issue_type = fields.get("issuetype")
    type_name = issue_type.get("name") if isinstance(issue_type, dict) else None
    return FoundIssue(
        key=str(raw["key"]),
        issue_type=str(type_name) if type_name else None,
        summary=" ".join(str(fields.get("summary") or "").split()),
        description=rich_text_to_plain(fields.get("description")),
        labels=tuple(str(label) for label in fields.get("labels") or ()),
    )


def raw_issues(result: Any) -> list[dict[str, Any]]:
    """The ``issues`` of a search answer (the dict items only)."""
    issues = result.get("issues") if isinstance(result, dict) else None
    return [i for i in issues if isinstance(i, dict)] if isinstance(issues, list) else []


def _found(raw: list[dict[str, Any]]) -> list[FoundIssue]:
    return [issue for item in raw if (issue := found_issue(item)) is not None]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
