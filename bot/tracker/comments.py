"""``JiraComments``: the Jira side of copying Slack thread replies (add, edit, delete, find).

It has its own small connection pool (like the status lookups), so a busy thread never takes
filing's connections. The author is mapped to a Jira account by e-mail (``ReporterLookup``,
the same search the reporter uses) and mentioned after the name where one matched.

``add`` is sent once (``idempotent=False``: re-sent only after a 429 / 503, when Jira did
nothing). After a lost answer the caller looks for the comment with ``find`` before adding it
again: the comment carries the Slack message's marker (``bot.tracker.comment_body``) and
the bot's own account wrote it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from jira import JIRA

from bot.settings import JiraSettings
from bot.tracker.comment_body import SlackComment, has_marker, render
from bot.tracker.connection import ClientFactory, JiraConnection, build_client
from bot.tracker.details import account_id
from bot.tracker.keys import normalize_issue_key
from bot.tracker.reporters import ReporterLookup
from bot.tracker.retry import JiraRetry

log = logging.getLogger(__name__)
#: How long an author's Jira account (or that there is none) is remembered.
ACCOUNT_TTL_S = 3600.0


class JiraComments:
    def __init__(
        self,
        settings: JiraSettings,
        *,
        workers: int = 2,
        retry: JiraRetry | None = None,
        client_factory: ClientFactory = build_client,
    ) -> None:
        self._version = settings.api_version
        self._retry = retry or JiraRetry(max_attempts=settings.max_attempts)
        self._conn = JiraConnection(settings, workers=workers, factory=client_factory)
        self._accounts = ReporterLookup(self._search_users)
        self._known: dict[str, tuple[float, dict[str, str] | None]] = {}
        self._me: str | None = None

    async def add(self, key: str, comment: SlackComment, email: str | None) -> str:
        """Post the comment; its Jira id."""
        key = normalize_issue_key(key)
        body = await self._body(comment, email)
        created = await self._retry.run(
            lambda: self._conn.call(lambda c: c.add_comment(key, body), action="comment", key=key),
            what=f"comment {key}",
            idempotent=False,
        )
        log.info("jira %s: comment %s added from Slack", key, created.id)
        return str(created.id)

    async def update(
        self, key: str, comment_id: str, comment: SlackComment, email: str | None
    ) -> None:
        key = normalize_issue_key(key)
        body = await self._body(comment, email)
        path = f"issue/{key}/comment/{_digits(comment_id)}"
        await self._send("PUT", path, key, {"body": body})
        log.info("jira %s: comment %s updated from Slack", key, comment_id)

    async def delete(self, key: str, comment_id: str) -> None:
        key = normalize_issue_key(key)
        await self._send("DELETE", f"issue/{key}/comment/{_digits(comment_id)}", key, None)
        log.info("jira %s: comment %s deleted (deleted in Slack)", key, comment_id)

    async def find(self, key: str, token: str) -> str | None:
        """The id of the comment the bot wrote that carries ``token``, or None."""
        key = normalize_issue_key(key)
        me = await self._my_account()
        raw = await self._retry.run(
            lambda: self._conn.call(lambda c: _comments(c, key), action="comments", key=key),
            what=f"comments {key}",
        )
        for item in raw:
            author = account_id(item.get("author") or {})
            if (me is None or author in (None, me)) and has_marker(item.get("body"), token):
                return str(item.get("id"))
        return None

    async def aclose(self) -> None:
        await self._conn.aclose()

    async def _body(self, comment: SlackComment, email: str | None) -> str | dict[str, Any]:
        account = await self._account(email) if email else None
        return render(comment, self._version, account)

    async def _account(self, email: str) -> dict[str, str] | None:
        """The author's Jira account, found or not, remembered for ``ACCOUNT_TTL_S``: one user
        search per author, not one per reply."""
        key, now = email.casefold(), time.monotonic()
        known = self._known.get(key)
        if known is not None and now - known[0] < ACCOUNT_TTL_S:
            return known[1]
        account = await self._accounts.reporter_for(email, ticket_id=0)
        self._known[key] = (now, account)
        return account

    async def _send(self, method: str, path: str, key: str, payload: Any) -> None:
        def call(client: JIRA) -> None:
            url = client._get_url(path)  # the library's own URL builder
            session = client._session  # its retrying, authenticated session
            if payload is None:
                session.request(method, url)
            else:
                session.request(method, url, json=payload)

        await self._retry.run(
            lambda: self._conn.call(call, action=f"comment {method.lower()}", key=key),
            what=f"comment {method.lower()} {key}",
        )

    async def _search_users(self, email: str) -> list[dict[str, Any]]:
        await self._conn.client()
        cloud = self._conn.is_cloud
        users = await self._conn.call(
            lambda c: c.search_users(query=email) if cloud else c.search_users(user=email),
            action="user search",
        )
        return [u.raw for u in users if u.raw]

    async def _my_account(self) -> str | None:
        if self._me is None:
            me: dict[str, Any] = await self._conn.call(lambda c: c.myself(), action="myself")
            self._me = account_id(me)
        return self._me


def _comments(client: JIRA, key: str) -> list[dict[str, Any]]:
    """Every comment of ``key`` (paged by startAt), newest last."""
    found: list[dict[str, Any]] = []
    while True:
        page = client._get_json(  # the library's JSON GET (retries)
            f"issue/{key}/comment", params={"startAt": len(found), "maxResults": 100}
        )
        items = page.get("comments") or []
        found += items
        if not items or len(found) >= int(page.get("total") or 0):
            return found


def _digits(comment_id: str) -> str:
    if not comment_id.isdigit():
        raise ValueError(f"not a Jira comment id: {comment_id!r}")
    return comment_id
