"""JQL search as Jira pages it: Cloud ``search/jql`` (tokens) and Server ``search``
(``startAt``, ``total``), each capped by the server."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from aiohttp import web

from . import validation
from .call import Call
from .dates import compare, parse_jira_time, parse_jql_date
from .issues import IssueResources
from .jql import DATE_FIELDS, Clause, JqlParser
from .model import (
    CATEGORY,
    JiraHTTPError,
)


class SearchResources(IssueResources):
    """search/jql (Cloud) and search (Server), GET or POST."""

    def _search_args(self, call: Call) -> tuple[str, set[str], int, str | None, int]:
        if call.request.method == "POST" and isinstance(call.body, dict):
            body = call.body
            fields = body.get("fields") or []
            fields = fields.split(",") if isinstance(fields, str) else fields
            return (
                str(body.get("jql") or ""),
                set(fields),
                int(body.get("maxResults") or 50),
                body.get("nextPageToken"),
                int(body.get("startAt") or 0),
            )
        size = int(call.param("maxResults", "50") or 50)
        start = int(call.param("startAt", "0") or 0)
        return (
            call.param("jql", "") or "",
            set(call.listed("fields")),
            size,
            call.param("nextPageToken"),
            start,
        )

    def _run_jql(self, jql: str, *, bounded: bool) -> list[str]:
        clauses, order = JqlParser(jql).parse()
        if bounded and not clauses:
            raise JiraHTTPError(
                400,
                [
                    "Unbounded JQL queries are not allowed here. Please add a "
                    "search restriction to your query."
                ],
            )
        for clause in clauses:  # a bad date is refused even when no issue is compared
            if clause.field in DATE_FIELDS:
                parse_jql_date(str(clause.values[0] or ""), clause.field)
        now = time.monotonic()
        keys = [
            key
            for key, stored in self.issues.items()
            if self.searchable_at.get(key, 0.0) <= now
            and all(self._matches(stored, key, clause) for clause in clauses)
        ]
        for name, descending in reversed(order or [("key", True)]):
            keys.sort(key=partial(self._sort_value, name=name), reverse=descending)
        return keys

    def _sort_value(self, key: str, name: str) -> Any:
        if name == "key":
            return int(key.rsplit("-", 1)[1])
        stored = self.issues[key]
        return str(stored.get(name) or "")

    def _matches(self, stored: dict[str, Any], key: str, clause: Clause) -> bool:
        if clause.field in ("text", "summary"):
            haystack = (
                stored["summary"] if clause.field == "summary" else validation.all_text(stored)
            )
            hit = all(
                word.casefold() in haystack.casefold()
                for word in str(clause.values[0] or "").split()
            )
            return hit if clause.op == "~" else not hit
        if clause.field in DATE_FIELDS:
            wanted_at = parse_jql_date(str(clause.values[0] or ""), clause.field)
            return compare(parse_jira_time(stored[clause.field]), clause.op, wanted_at)
        actual = self._field_values(stored, key, clause.field)
        if clause.op in ("is", "is not"):
            return (not actual) == (clause.op == "is")
        wanted = {str(v).casefold() for v in clause.values}
        hit = bool({a.casefold() for a in actual} & wanted)
        return hit if clause.op in ("=", "in") else not hit

    def _field_values(self, stored: dict[str, Any], key: str, name: str) -> list[str]:
        if name == "labels":
            return list(stored["labels"])
        if name in ("key", "issuekey"):
            return [key, stored["id"]]
        if name == "project":
            return [stored["project"], "10000", self.project_name]
        if name == "statuscategory":
            category = CATEGORY[self.statuses[stored["status"]]]
            return [str(category["key"]), str(category["name"])]
        if name in ("issuetype", "type"):
            return [stored["issuetype"]]
        value = stored.get(name)
        return [str(value)] if value else []

    def _page_size(self, asked: int, fields: set[str]) -> int:
        """Issues per page: what was asked, within the server's cap, as real Jira does.

        Cloud ``/search/jql`` returns at most 5000 ids or keys but about 100 issues once
        other fields are requested; Server's ``/search`` caps ``maxResults`` at 1000
        (``jira.search.views.default.max``) and reports the capped value.
        """
        if self.search_page_cap is not None:
            cap = self.search_page_cap
        elif self.flavour == "cloud":
            cap = 5000 if fields <= {"id", "key"} else 100
        else:
            cap = 1000
        return max(0, min(asked, cap))

    async def _search_jql(self, call: Call) -> web.StreamResponse:
        if self.flavour != "cloud":
            raise JiraHTTPError(404, ["null for uri: /rest/api/2/search/jql"])
        jql, fields, size, token, _ = self._search_args(call)
        keys = self._run_jql(jql, bounded=True)
        start = int(token) if token and token.isdigit() else 0
        page = keys[start : start + self._page_size(size, fields or {"id"})]
        out: dict[str, Any] = {
            "issues": [self._issue_json(k, call, fields or {"id"}) for k in page],
            "isLast": start + len(page) >= len(keys),
        }
        if not out["isLast"]:
            out["nextPageToken"] = str(start + len(page))
        return web.json_response(out)

    async def _search_old(self, call: Call) -> web.StreamResponse:
        if self.flavour == "cloud":
            raise JiraHTTPError(
                410,
                [
                    "The requested API has been removed. Please migrate to the "
                    "/rest/api/3/search/jql API."
                ],
            )
        jql, fields, size, _, start = self._search_args(call)
        keys = self._run_jql(jql, bounded=False)
        wanted = fields or {"*navigable"}
        size = self._page_size(size, wanted)
        page = keys[start : start + size]
        return web.json_response(
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(keys),
                "issues": [self._issue_json(k, call, wanted) for k in page],
            }
        )
