"""``Tracker``: everything the bot asks of Jira, as async calls retried by ``JiraRetry``.

Public API: ``create_issue``, ``find_filed``, ``get_issue``, ``add_comment``,
``transition``, ``set_issue_type``, ``search_issues_page`` / ``iter_issues``
(paged, with each issue's text: ``search.py``), and for ``doctor`` ``server_info``,
``myself``, ``issue_type_names``; ``aclose`` at shutdown.

Calls made inside an already retried step (creating, finding) and the ``doctor`` checks go
to the connection directly, so retries never nest.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, TypeVar

from jira import JIRA

from bot.errors import TrackerConfigError, TransitionNotAvailable
from bot.settings import JiraSettings
from bot.tracker import fields as build
from bot.tracker import screens, search
from bot.tracker.connection import ClientFactory, JiraConnection, build_client
from bot.tracker.create import IssueCreator
from bot.tracker.createmeta import CreateMeta
from bot.tracker.details import (
    DETAIL_FIELDS,
    REF_FIELDS,
    account_id,
    details_from_raw,
    filed_for,
    ref_from_raw,
)
from bot.tracker.issue_types import IssueTypeResolver
from bot.tracker.keys import (
    labels_jql,
    legacy_ticket_label,
    normalize_issue_key,
    ticket_label,
)
from bot.tracker.models import FoundIssue, IssueDetails, IssueRef, NewIssue
from bot.tracker.reporters import ReporterLookup
from bot.tracker.retry import JiraRetry
from bot.tracker.screens import FormField, Wanted
from bot.tracker.search import PAGE_SIZE, SearchPage, raw_issues

log = logging.getLogger(__name__)
T = TypeVar("T")


class Tracker:
    """Async façade over the blocking ``jira`` client (see the module docstring)."""

    def __init__(
        self,
        settings: JiraSettings,
        *,
        workers: int = 4,
        retry: JiraRetry | None = None,
        client_factory: ClientFactory = build_client,
        metadata_ttl_s: float = 600.0,
    ) -> None:
        if not settings.base_url or not settings.project_key:
            raise TrackerConfigError("JIRA_BASE_URL and JIRA_PROJECT_KEY must be set")
        self._settings = settings
        self._base_url = settings.base_url
        self._project = settings.project_key
        self._retry = retry or JiraRetry(max_attempts=settings.max_attempts)
        self._conn = JiraConnection(settings, workers=workers, factory=client_factory)
        self._types = IssueTypeResolver(settings, self._fetch_issue_types)
        self.meta = CreateMeta(self._meta_call, ttl_s=metadata_ttl_s)
        reporters = ReporterLookup(self._search_users)
        self._creator = IssueCreator(settings, self._conn, self.meta, reporters)
        self._service_account: str | None = None

    # ---- create -------------------------------------------------------------------------

    async def create_issue(self, new: NewIssue) -> IssueRef:
        """Send the create once; send it again only when Jira certainly did not act on it.

        A create that fails after it may have reached Jira (a timeout, a reset connection, a
        5xx other than 503) is never re-sent here: it raises, and the caller reconciles with
        ``find_filed`` once Jira's search has had time to show the issue (see
        ``bot.triage.filing``).
        """
        return await self._retry.run(
            lambda: self._creator.create_once(new),
            what=f"create ticket {new.ticket_id}",
            idempotent=False,
        )

    # ---- look up ------------------------------------------------------------------------

    async def find_filed(self, new: NewIssue) -> IssueRef | None:
        """The issue already filed for ``new`` (found by its label and checked), or None.

        Jira's search lags behind creates: None means "not visible yet" as much as "not there".
        """
        return await self._retry.run(lambda: self._find(new), what=f"find ticket {new.ticket_id}")

    async def _find(self, new: NewIssue) -> IssueRef | None:
        labels = [ticket_label(new.installation, new.ticket_id)]
        if new.legacy_label:
            labels.append(legacy_ticket_label(new.ticket_id))
        jql = labels_jql(new.project_key or self._project, labels)
        result = await self._conn.call(
            lambda c: c.search_issues(jql, maxResults=5, fields=REF_FIELDS, json_result=True),
            action="search",
        )
        candidates = [raw for raw in raw_issues(result) if filed_for(raw, new)]
        if not candidates:
            return None
        if len(candidates) > 1:
            keys = ", ".join(str(raw.get("key")) for raw in candidates)
            log.warning("ticket %s: several Jira issues carry its label (%s)", new.ticket_id, keys)
        service = await self._service_account_id()
        return ref_from_raw(candidates[0], self._base_url, service_account=service)

    async def get_issue(self, key_or_url: str) -> IssueDetails:
        """Status and people of an issue. Raises InvalidIssueKey before any call on bad input."""
        key = normalize_issue_key(key_or_url)
        issue = await self._request(
            lambda c: c.issue(key, fields=DETAIL_FIELDS), "get issue", key=key
        )
        return details_from_raw(issue.raw or {"key": key}, self._base_url)

    async def search_issues_page(
        self, jql: str, *, page: str | None = None, size: int = PAGE_SIZE
    ) -> SearchPage:
        """One page of ``jql`` with each issue's text; ``page`` is the last one's ``next_page``."""
        return await search.fetch_page(self._conn, self._retry, jql, page=page, size=size)

    def iter_issues(
        self, jql: str, *, limit: int, page_size: int = PAGE_SIZE
    ) -> AsyncIterator[list[FoundIssue]]:
        """The issues matching ``jql`` page by page, ``limit`` in all at most."""
        return search.iter_pages(self._conn, self._retry, jql, limit=limit, size=page_size)

    # ---- change -------------------------------------------------------------------------

    async def add_comment(self, key: str, body: str) -> None:
        """Comment on ``key``, shown as typed (``rich_text``); retried only if Jira did nothing."""
        key = normalize_issue_key(key)
        value = build.rich_text(body, self._settings.api_version)
        await self._request(
            lambda c: c.add_comment(key, value), "comment", key=key, idempotent=False
        )
        log.info("jira %s: comment added", key)

    async def transition(self, key: str, name: str) -> str:
        """Move ``key`` by the transition called ``name`` (any case); return the new status."""
        key = normalize_issue_key(key)
        available = await self._request(lambda c: c.transitions(key), "transitions", key=key)
        match = _pick_transition(available, name)
        if match is None:
            raise TransitionNotAvailable(key, name, [str(t.get("name")) for t in available])
        await self._request(
            lambda c: c.transition_issue(key, str(match["id"])),
            "transition",
            key=key,
            idempotent=False,
        )
        target = str((match.get("to") or {}).get("name") or match.get("name"))
        log.info("jira %s: transitioned by %r to %s", key, match.get("name"), target)
        return target

    async def set_issue_type(self, key: str, type_name: str) -> None:
        """Change the issue type of ``key`` (after a label correction)."""
        key = normalize_issue_key(key)

        def change(client: JIRA) -> None:
            client.issue(key, fields="issuetype").update(fields={"issuetype": {"name": type_name}})

        await self._request(change, "set issue type", key=key)
        log.info("jira %s: issue type set to %s", key, type_name)

    # ---- one retried request -----------------------------------------------------------

    async def _request(
        self, fn: Callable[[JIRA], T], action: str, *, key: str, idempotent: bool = True
    ) -> T:
        """``fn(client)`` on the Jira connection in the thread pool, retried by ``JiraRetry``.

        ``action`` and ``key`` name the call in errors and log lines; a call that is not
        ``idempotent`` is sent again only when Jira did nothing.
        """
        return await self._retry.run(
            lambda: self._conn.call(fn, action=action, key=key),
            what=f"{action} {key}",
            idempotent=idempotent,
        )

    # ---- for doctor and helpers ---------------------------------------------------------

    async def server_info(self) -> dict[str, Any]:
        info: dict[str, Any] = await self._conn.call(
            lambda c: c.server_info(), action="server info"
        )
        return info

    async def myself(self) -> dict[str, Any]:
        me: dict[str, Any] = await self._conn.call(lambda c: c.myself(), action="myself")
        return me

    async def issue_type_names(self, project: str | None = None) -> list[str]:
        """The issue types of the configured project, or of ``project`` (cached)."""
        if project is None or project == self._project:
            return await self._types.names()
        return [t.name for t in await self.meta.issue_types(project)]

    async def _fetch_issue_types(self) -> list[str]:
        project = await self._conn.call(
            lambda c: c.project(self._project, expand="issueTypes"),
            action=f"project {self._project}",
        )
        raw = project.raw or {}
        return [str(t["name"]) for t in raw.get("issueTypes") or [] if t.get("name")]

    async def form_fields(
        self, project: str, type_names: Sequence[str], default_type: str,
        values: Mapping[str, str],
    ) -> list[FormField]:
        """Required fields of ``type_names`` in ``project`` that the form can ask for."""
        wanted = Wanted(project, default_type, default_type, values)
        return await screens.form_fields(self.meta, wanted, type_names)

    async def create_problems(self, wanted: Wanted, type_names: Sequence[str]) -> list[str]:
        """What filing ``type_names`` in ``wanted.project`` would run into (for doctor)."""
        return await screens.problems(self.meta, wanted, type_names)

    async def _meta_call(self, fn: Callable[[JIRA], Any], action: str) -> Any:
        return await self._conn.call(fn, action=action)

    async def _search_users(self, email: str) -> list[dict[str, Any]]:
        await self._conn.client()
        cloud = self._conn.is_cloud
        users = await self._conn.call(
            lambda c: c.search_users(query=email) if cloud else c.search_users(user=email),
            action="user search",
        )
        return [u.raw for u in users if u.raw]

    async def _service_account_id(self) -> str | None:
        if self._service_account is None:
            self._service_account = account_id(await self.myself())
        return self._service_account

    async def aclose(self) -> None:
        await self._conn.aclose()


def _pick_transition(available: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    wanted = " ".join(name.split()).casefold()
    for item in available:
        if str(item.get("name", "")).casefold() == wanted:
            return item
    return None
