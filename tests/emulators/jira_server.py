"""A Jira Cloud (or Server) emulator that the real ``jira`` package can talk to over HTTP.

Start it in a test::

    async with JiraEmulator() as jira:            # 127.0.0.1, a free port
        settings = JiraSettings(**jira.settings_kwargs())
        ...
        jira.issues["KAN-1"]["summary"]           # what was stored
        jira.requests                             # every request (method, path, query, body)

Fault injection: ``fail(503, retry_after=1, times=2, method="POST", path="/issue")``,
``latency_s = 0.2``, ``drop_after_create()`` (the issue is stored, then the connection is
closed without an answer), ``down = True`` (every connection is cut). A Jira user moving an
issue: ``set_status("KAN-1", "Done")``. ``reporter_settable = False`` makes ``reporter``
"not on the screen". ``env()`` gives the ``JIRA_*`` variables for a ``python app.py`` subprocess.

Routes (``/rest/api/2/…`` and ``/rest/api/3/…``; v3 takes and returns ADF rich text):
serverInfo, field, myself, project, project/{key}, issuetype, issue/createmeta…,
POST issue, GET/PUT issue/{key}, GET/POST issue/{key}/transitions, GET/POST issue/{key}/comment,
user/search, search/jql (Cloud) and search (Server; 410 on Cloud), GET or POST.

Run alone: ``python -m tests.emulators.jira_server --port 8089 [--server]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiohttp import web

DEFAULT_EMAIL = "ticketbot@example.com"
DEFAULT_TOKEN = "emulator-api-token"
DEFAULT_PAT = "emulator-personal-access-token"
SERVICE_ACCOUNT_ID = "557058:service-ticketbot"
MAX_SUMMARY = 255
MAX_TEXT = 32_767
MAX_LABEL = 255
DEFAULT_STATUSES: dict[str, str] = {
    "To Do": "new",
    "In Progress": "indeterminate",
    "Done": "done",
    "Won't Do": "done",
}
CATEGORY = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
CREATE_FIELDS = {
    "project",
    "issuetype",
    "summary",
    "description",
    "labels",
    "reporter",
    "priority",
    "assignee",
}
EDIT_FIELDS = {"summary", "description", "labels", "issuetype", "priority", "assignee"}
ADF_NODES = {
    "paragraph",
    "text",
    "hardBreak",
    "heading",
    "bulletList",
    "orderedList",
    "listItem",
    "codeBlock",
    "blockquote",
    "rule",
    "mention",
    "emoji",
    "inlineCard",
}
NOT_FOUND_ISSUE = "Issue does not exist or you do not have permission to see it."
NOT_SETTABLE = "Field '{0}' cannot be set. It is not on the appropriate screen, or unknown."
ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
TOO_LONG = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
SYSTEM_FIELDS = (
    "summary",
    "description",
    "issuetype",
    "project",
    "status",
    "priority",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "created",
    "updated",
    "comment",
    "resolution",
)


class JiraHTTPError(Exception):
    """Raised by handlers; becomes Jira's error body."""

    def __init__(
        self, status: int, messages: Iterable[str] = (), errors: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = {"errorMessages": list(messages), "errors": dict(errors or {})}


@dataclass
class RecordedRequest:
    method: str
    path: str  # after /rest/api/<v>, e.g. "/issue/KAN-1"
    api_version: str
    query: dict[str, list[str]]
    body: Any
    auth: str | None  # "basic", "bearer" or None; never the credentials
    status: int | None = None


@dataclass
class Fault:
    status: int
    times: int = 1
    retry_after: float | str | None = None
    method: str | None = None
    path: str | None = None
    body: dict[str, Any] | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


@dataclass
class _Call:
    request: web.Request
    version: str
    path: str
    params: dict[str, list[str]]
    body: Any
    match: re.Match[str]
    record: RecordedRequest = field(repr=False, default=None)  # type: ignore[assignment]

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default

    def listed(self, name: str) -> list[str]:
        return [part for value in self.params.get(name, []) for part in value.split(",") if part]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def jira_time(when: datetime | None = None) -> str:
    when = when or datetime.now(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


# ---- ADF helpers -------------------------------------------------------------------------


def adf_from_text(text: str) -> dict[str, Any]:
    content = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in text.splitlines()
        if line
    ]
    return {"type": "doc", "version": 1, "content": content}


def adf_to_text(node: Any) -> str:
    """Plain text of an ADF document: one line per block."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    children = [adf_to_text(child) for child in node.get("content") or []]
    joiner = "\n" if node.get("type") in ("doc", "bulletList", "orderedList", "listItem") else ""
    return joiner.join(children)


def adf_problem(doc: Any) -> str | None:
    """Why ``doc`` is not an ADF document Jira accepts, or None."""
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return "not a doc of version 1"
    if not isinstance(doc.get("content"), list):
        return "doc.content must be a list"
    return _node_problem(doc["content"])


def _node_problem(nodes: list[Any]) -> str | None:
    for node in nodes:
        if not isinstance(node, dict) or node.get("type") not in ADF_NODES:
            return f"unknown node {node!r:.60}"
        if node["type"] == "text":
            text = node.get("text")
            if not isinstance(text, str) or not text:
                return "a text node needs non-empty text"
            if "\n" in text or "\r" in text:
                return "a text node must not contain a newline"
        elif problem := _node_problem(node.get("content") or []):
            return problem
    return None


# ---- JQL subset --------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|=|~|\(|\)|,)"""
    r"""|(?P<word>[^\s=!~(),"']+))"""
)
JQL_FIELDS = {
    "project",
    "key",
    "issuekey",
    "labels",
    "status",
    "statuscategory",
    "text",
    "summary",
    "issuetype",
    "type",
    "reporter",
    "assignee",
}
ORDER_FIELDS = {"key", "created", "updated", "summary", "status", "priority", "issuetype"}


@dataclass
class Clause:
    field: str
    op: str  # "=", "!=", "~", "!~", "in", "not in", "is", "is not"
    values: list[str | None]


def _jql_error(message: str) -> JiraHTTPError:
    return JiraHTTPError(400, [f"Error in the JQL Query: {message}"])


def tokenize(jql: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = jql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _jql_error(f"The character '{text[position]}' is a reserved JQL character.")
        position = match.end()
        if match.group("str") is not None:
            raw = match.group("str")[1:-1]
            tokens.append(("str", re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        elif match.group("word") is not None:
            tokens.append(("word", match.group("word")))
    return tokens


class JqlParser:
    """``clause (AND clause)* [ORDER BY field [ASC|DESC], …]``; OR is not supported."""

    def __init__(self, jql: str) -> None:
        self.tokens = tokenize(jql)
        self.pos = 0

    def parse(self) -> tuple[list[Clause], list[tuple[str, bool]]]:
        clauses: list[Clause] = []
        while self.pos < len(self.tokens) and not self._at_word("order"):
            if clauses:
                self._expect_word("and")
            clauses.append(self._clause())
        order = self._order() if self._at_word("order") else []
        if self.pos != len(self.tokens):
            raise _jql_error(f"Expecting end of query but got '{self.tokens[self.pos][1]}'.")
        return clauses, order

    def _at_word(self, word: str) -> bool:
        return (
            self.pos < len(self.tokens)
            and self.tokens[self.pos][0] == "word"
            and self.tokens[self.pos][1].lower() == word
        )

    def _expect_word(self, word: str) -> None:
        if not self._at_word(word):
            got = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end of query"
            raise _jql_error(f"Expecting '{word.upper()}' but got '{got}'.")
        self.pos += 1

    def _next(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise _jql_error("Expecting more of the query.")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _clause(self) -> Clause:
        kind, name = self._next()
        field_name = name.lower()
        if kind == "op" or field_name not in JQL_FIELDS:
            raise JiraHTTPError(
                400, [f"Field '{name}' does not exist or you do not have permission to view it."]
            )
        return Clause(field_name, *self._operator_and_values())

    def _operator_and_values(self) -> tuple[str, list[str | None]]:
        kind, op = self._next()
        if kind == "op" and op in ("=", "!=", "~", "!~"):
            return op, [self._value()]
        lowered = op.lower()
        if lowered == "not":
            self._expect_word("in")
            return "not in", self._value_list()
        if lowered == "in":
            return "in", self._value_list()
        if lowered == "is":
            negated = self._at_word("not")
            self.pos += 1 if negated else 0
            self._expect_word("empty") if not self._at_word("null") else self._expect_word("null")
            return ("is not" if negated else "is"), [None]
        raise _jql_error(f"Expecting an operator but got '{op}'.")

    def _value(self) -> str:
        kind, value = self._next()
        if kind == "op":
            raise _jql_error(f"Expecting a value but got '{value}'.")
        return value

    def _value_list(self) -> list[str | None]:
        if self._next() != ("op", "("):
            raise _jql_error("Expecting '(' after IN.")
        values: list[str | None] = [self._value()]
        while self._next() == ("op", ","):
            values.append(self._value())
        if self.tokens[self.pos - 1] != ("op", ")"):
            raise _jql_error("Expecting ')' to close the list.")
        return values

    def _order(self) -> list[tuple[str, bool]]:
        self._expect_word("order")
        self._expect_word("by")
        order: list[tuple[str, bool]] = []
        while True:
            name = self._value().lower()
            if name not in ORDER_FIELDS:
                raise _jql_error(f"Not able to sort using field '{name}'.")
            descending = False
            if self._at_word("asc") or self._at_word("desc"):
                descending = self.tokens[self.pos][1].lower() == "desc"
                self.pos += 1
            order.append((name, descending))
            if self.pos < len(self.tokens) and self.tokens[self.pos] == ("op", ","):
                self.pos += 1
                continue
            return order


# ---- the emulator ------------------------------------------------------------------------

Handler = Callable[[_Call], Awaitable[web.StreamResponse]]


class JiraEmulator:
    """Jira Cloud (``flavour="cloud"``) or Server (``"server"``) on 127.0.0.1 (see above)."""

    def __init__(
        self,
        *,
        flavour: str = "cloud",
        email: str = DEFAULT_EMAIL,
        api_token: str = DEFAULT_TOKEN,
        pat: str = DEFAULT_PAT,
        project_key: str = "KAN",
        project_name: str = "Kanban",
        issue_types: Iterable[str] = ("Task", "Bug", "Story", "Epic", "Subtask"),
        statuses: Mapping[str, str] | None = None,
        transitions: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.flavour = flavour
        self.email, self.api_token, self.pat = email, api_token, pat
        self.project_key, self.project_name = project_key, project_name
        self.issue_types = list(issue_types)
        self.statuses = dict(statuses or DEFAULT_STATUSES)
        self.transitions = dict(transitions or {name: name for name in self.statuses})
        self.host, self.port = host, port
        self.issues: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.users: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.latency_s = 0.0
        self.down = False
        self.reporter_settable = True
        self.next_number = 1
        self._drops = 0
        self._runner: web.AppRunner | None = None
        self._routes = self._route_table()
        self.add_user(email, "ticketbot", account_id=SERVICE_ACCOUNT_ID)

    # ---- lifecycle and test API ----------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> JiraEmulator:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/rest/api/{version:[23]}/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> JiraEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def settings_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``JiraSettings`` pointing at this emulator (basic auth)."""
        values: dict[str, Any] = {
            "base_url": self.url,
            "email": self.email,
            "api_token": self.api_token,
            "project_key": self.project_key,
        }
        values.update(overrides)
        return values

    def env(self) -> dict[str, str]:
        """The ``JIRA_*`` environment for a bot subprocess."""
        return {
            "JIRA_BASE_URL": self.url,
            "JIRA_EMAIL": self.email,
            "JIRA_API_TOKEN": self.api_token,
            "JIRA_PROJECT_KEY": self.project_key,
        }

    def add_user(
        self,
        email: str,
        display_name: str,
        *,
        account_id: str | None = None,
        hide_email: bool = False,
        active: bool = True,
    ) -> str:
        """Add a Jira account; returns its accountId (Cloud) / name (Server)."""
        ident = account_id or f"5b10a2844c20165700ede{len(self.users):03d}"
        name = email.split("@")[0]
        self.users.append(
            {
                "accountId": ident,
                "name": name,
                "key": name,
                "email": email,
                "displayName": display_name,
                "active": active,
                "hide_email": hide_email,
            }
        )
        return ident if self.flavour == "cloud" else name

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (``path``: a substring)."""
        self.faults.append(Fault(status, times, retry_after, method, path, body))

    def drop_after_create(self, times: int = 1) -> None:
        """Store the next ``times`` created issues, then cut the connection without answering."""
        self._drops += times

    def set_status(self, key: str, status: str) -> None:
        """Move an issue as a Jira user would (no transition check)."""
        if status not in self.statuses:
            raise KeyError(f"unknown status {status!r}; have {list(self.statuses)}")
        self.issues[key]["status"] = status
        self.issues[key]["updated"] = jira_time()

    def calls(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests with that method and a path containing ``path``."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or path in r.path)
        ]

    def created_keys(self) -> list[str]:
        return list(self.issues)

    # ---- dispatch ------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/serverInfo", self._server_info),
            ("GET", r"/field", self._fields),
            ("GET", r"/myself", self._myself),
            ("GET", r"/project", self._projects),
            ("GET", r"/project/(?P<project>[^/]+)", self._project),
            ("GET", r"/issuetype", self._all_issue_types),
            ("GET", r"/issue/createmeta", self._createmeta_old),
            ("GET", r"/issue/createmeta/(?P<project>[^/]+)/issuetypes", self._createmeta_types),
            (
                "GET",
                r"/issue/createmeta/(?P<project>[^/]+)/issuetypes/(?P<type>[^/]+)",
                self._createmeta_fields,
            ),
            ("POST", r"/issue", self._create_issue),
            ("GET", r"/issue/(?P<key>[^/]+)", self._get_issue),
            ("PUT", r"/issue/(?P<key>[^/]+)", self._edit_issue),
            ("GET", r"/issue/(?P<key>[^/]+)/transitions", self._get_transitions),
            ("POST", r"/issue/(?P<key>[^/]+)/transitions", self._do_transition),
            ("GET", r"/issue/(?P<key>[^/]+)/comment", self._get_comments),
            ("POST", r"/issue/(?P<key>[^/]+)/comment", self._add_comment),
            ("GET", r"/user/search", self._user_search),
            ("GET", r"/search/jql", self._search_jql),
            ("POST", r"/search/jql", self._search_jql),
            ("GET", r"/search", self._search_old),
            ("POST", r"/search", self._search_old),
        ]
        return [
            (method, re.compile(pattern + r"/?"), handler) for method, pattern, handler in table
        ]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        call = await self._parse(request)
        if self.down:
            return self._cut(request, call.record)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        try:
            response = self._fault_response(call) or await self._handle(call)
        except JiraHTTPError as err:
            response = web.json_response(err.body, status=err.status)
        call.record.status = response.status
        return response

    async def _parse(self, request: web.Request) -> _Call:
        path = "/" + request.match_info["tail"]
        params: dict[str, list[str]] = {}
        for name, value in request.query.items():
            params.setdefault(name, []).append(value)
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = RecordedRequest(
            request.method, path, request.match_info["version"], params, body, _auth_kind(request)
        )
        self.requests.append(record)
        dummy = re.match("", "")
        assert dummy is not None
        return _Call(request, request.match_info["version"], path, params, body, dummy, record)

    def _cut(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        record.status = None
        return web.Response(status=500)

    def _fault_response(self, call: _Call) -> web.StreamResponse | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(call.request.method, call.path):
                fault.times -= 1
                headers = (
                    {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                body = fault.body or {"errorMessages": [f"Emulated {fault.status}"], "errors": {}}
                return web.json_response(body, status=fault.status, headers=headers)
        return None

    async def _handle(self, call: _Call) -> web.StreamResponse:
        self._check_auth(call)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if match and method == call.request.method:
                call.match = match
                return await handler(call)
        if any(pattern.fullmatch(call.path) for _, pattern, _ in self._routes):
            raise JiraHTTPError(405, ["Method not allowed"])
        raise JiraHTTPError(404, [f"No route for {call.path}"])

    def _check_auth(self, call: _Call) -> None:
        header = call.request.headers.get("Authorization", "")
        if not header and call.path.rstrip("/") == "/serverInfo":
            return
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if decoded == f"{self.email}:{self.api_token}":
                return
        elif header.startswith("Bearer ") and header[7:] == self.pat:
            return
        raise JiraHTTPError(
            401, ["You are not authenticated. Authentication required to perform this operation."]
        )

    # ---- simple resources ----------------------------------------------------------------

    def _base(self, call: _Call) -> str:
        return f"{self.url}/rest/api/{call.version}"

    async def _server_info(self, call: _Call) -> web.StreamResponse:
        cloud = self.flavour == "cloud"
        version = [1001, 0, 0] if cloud else [9, 12, 0]
        return web.json_response(
            {
                "baseUrl": self.url,
                "version": ".".join(map(str, version)),
                "versionNumbers": version,
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100_000,
                "buildDate": "2025-01-01T00:00:00.000+0000",
                "serverTime": jira_time(),
                "scmInfo": "emulator",
                "serverTitle": "Jira emulator",
            }
        )

    async def _fields(self, call: _Call) -> web.StreamResponse:
        return web.json_response(
            [
                {
                    "id": name,
                    "key": name,
                    "name": name.title(),
                    "custom": False,
                    "orderable": True,
                    "navigable": True,
                    "searchable": True,
                    "clauseNames": [name],
                    "schema": {"type": "string", "system": name},
                }
                for name in SYSTEM_FIELDS
            ]
        )

    async def _myself(self, call: _Call) -> web.StreamResponse:
        return web.json_response(self._user_json(self.users[0], call))

    async def _projects(self, call: _Call) -> web.StreamResponse:
        return web.json_response([self._project_json(call)])

    async def _project(self, call: _Call) -> web.StreamResponse:
        self._require_project(call.match["project"])
        return web.json_response(self._project_json(call))

    async def _all_issue_types(self, call: _Call) -> web.StreamResponse:
        return web.json_response(self._issue_types_json(call))

    async def _createmeta_old(self, call: _Call) -> web.StreamResponse:
        if self.flavour == "cloud":
            raise JiraHTTPError(404, ["The requested API has been removed."])
        project = self._project_json(call)
        project["issuetypes"] = project.pop("issueTypes")
        return web.json_response({"expand": "projects", "projects": [project]})

    async def _createmeta_types(self, call: _Call) -> web.StreamResponse:
        self._require_project(call.match["project"])
        types = self._issue_types_json(call)
        return web.json_response(
            {
                "startAt": 0,
                "maxResults": 50,
                "total": len(types),
                "isLast": True,
                "values": types,
                "issueTypes": types,
            }
        )

    async def _createmeta_fields(self, call: _Call) -> web.StreamResponse:
        self._require_project(call.match["project"])
        fields = [
            {
                "fieldId": name,
                "key": name,
                "name": name.title(),
                "required": name in ("summary", "issuetype", "project"),
                "operations": ["set"],
            }
            for name in sorted(CREATE_FIELDS)
        ]
        return web.json_response(
            {
                "startAt": 0,
                "maxResults": 50,
                "total": len(fields),
                "values": fields,
                "fields": fields,
            }
        )

    def _require_project(self, ref: str) -> None:
        if ref.upper() != self.project_key and ref != "10000":
            raise JiraHTTPError(404, [f"No project could be found with key '{ref}'."])

    def _project_json(self, call: _Call) -> dict[str, Any]:
        return {
            "self": f"{self._base(call)}/project/10000",
            "id": "10000",
            "key": self.project_key,
            "name": self.project_name,
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "issueTypes": self._issue_types_json(call),
        }

    def _issue_types_json(self, call: _Call) -> list[dict[str, Any]]:
        return [self._issue_type_json(name, call) for name in self.issue_types]

    def _issue_type_json(self, name: str, call: _Call) -> dict[str, Any]:
        type_id = str(10001 + self.issue_types.index(name))
        return {
            "self": f"{self._base(call)}/issuetype/{type_id}",
            "id": type_id,
            "description": f"A {name.lower()}.",
            "iconUrl": f"{self.url}/icons/{type_id}.svg",
            "name": name,
            "subtask": name == "Subtask",
            "avatarId": 10300,
            "hierarchyLevel": -1 if name == "Subtask" else 0,
        }

    def _user_json(self, user: dict[str, Any], call: _Call) -> dict[str, Any]:
        out: dict[str, Any] = {
            "displayName": user["displayName"],
            "active": user["active"],
            "timeZone": "Etc/UTC",
            "avatarUrls": {},
        }
        if self.flavour == "cloud":
            out.update(
                accountId=user["accountId"],
                accountType="atlassian",
                self=f"{self._base(call)}/user?accountId={user['accountId']}",
            )
        else:
            out.update(
                name=user["name"],
                key=user["key"],
                self=f"{self._base(call)}/user?username={user['name']}",
            )
        if not user["hide_email"]:
            out["emailAddress"] = user["email"]
        return out

    def _find_user(self, ident: Any) -> dict[str, Any] | None:
        if not isinstance(ident, dict):
            return None
        wanted = ident.get("accountId") if self.flavour == "cloud" else ident.get("name")
        return next(
            (u for u in self.users if wanted and wanted in (u["accountId"], u["name"])), None
        )

    async def _user_search(self, call: _Call) -> web.StreamResponse:
        text = call.param("query") or call.param("username")
        if not text:
            raise JiraHTTPError(400, ["The query parameter 'query' is required."])
        wanted = text.casefold()
        found = [
            u
            for u in self.users
            if u["active"]
            and (
                u["email"].casefold() == wanted
                or wanted in u["displayName"].casefold()
                or wanted == u["accountId"].casefold()
            )
        ]
        start = int(call.param("startAt", "0") or 0)
        size = int(call.param("maxResults", "50") or 50)
        return web.json_response([self._user_json(u, call) for u in found[start : start + size]])

    # ---- issues --------------------------------------------------------------------------

    def _issue(self, key_or_id: str) -> tuple[str, dict[str, Any]]:
        key = key_or_id.upper()
        for stored_key, stored in self.issues.items():
            if key in (stored_key, stored["id"]):
                return stored_key, stored
        raise JiraHTTPError(404, [NOT_FOUND_ISSUE])

    async def _create_issue(self, call: _Call) -> web.StreamResponse:
        fields = call.body.get("fields") if isinstance(call.body, dict) else None
        if not isinstance(fields, dict):
            raise JiraHTTPError(400, ["Can not deserialize the request: 'fields' is required."])
        project = fields.get("project")
        if not self._project_matches(project):
            raise JiraHTTPError(400, errors={"project": "Specify a valid project ID or key"})
        number, self.next_number = self.next_number, self.next_number + 1
        errors = self._validate(fields, call.version, allowed=CREATE_FIELDS, creating=True)
        if errors:
            raise JiraHTTPError(400, errors=errors)
        key = f"{self.project_key}-{number}"
        self.issues[key] = self._store(fields, number, call.version)
        if self._drops > 0:
            self._drops -= 1
            return self._cut(call.request, call.record)
        return web.json_response(
            {"id": self.issues[key]["id"], "key": key, "self": f"{self._base(call)}/issue/{key}"},
            status=201,
        )

    def _project_matches(self, project: Any) -> bool:
        if isinstance(project, dict):
            return project.get("key") == self.project_key or str(project.get("id")) == "10000"
        return False

    def _store(self, fields: dict[str, Any], number: int, version: str) -> dict[str, Any]:
        now = jira_time()
        reporter = self._find_user(fields.get("reporter")) or self.users[0]
        return {
            "id": str(10000 + number),
            "summary": fields["summary"],
            "description": fields.get("description"),
            "issuetype": self._type_name(fields["issuetype"]),
            "project": self.project_key,
            "labels": list(fields.get("labels") or []),
            "reporter": reporter["accountId"] if self.flavour == "cloud" else reporter["name"],
            "reporter_set": "reporter" in fields,
            "assignee": None,
            "priority": (fields.get("priority") or {}).get("name", "Medium"),
            "status": next(iter(self.statuses)),
            "created": now,
            "updated": now,
            "comments": [],
            "api_version": version,
        }

    def _type_name(self, ref: Any) -> str | None:
        if not isinstance(ref, dict):
            return None
        for name in self.issue_types:
            if ref.get("name") == name or str(ref.get("id")) == str(
                10001 + self.issue_types.index(name)
            ):
                return name
        return None

    def _validate(
        self, fields: dict[str, Any], version: str, *, allowed: set[str], creating: bool
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name in fields:
            if name not in allowed or (name == "reporter" and not self.reporter_settable):
                errors[name] = NOT_SETTABLE.format(name)
        if creating or "issuetype" in fields:
            if not fields.get("issuetype"):
                errors["issuetype"] = "Specify an issue type"
            elif self._type_name(fields["issuetype"]) is None:
                errors["issuetype"] = "Specify a valid issue type"
        summary_problem = _summary_problem(fields.get("summary"), self.flavour)
        if (creating or "summary" in fields) and summary_problem:
            errors["summary"] = summary_problem
        if "description" in fields and (problem := _text_problem(fields["description"], version)):
            errors["description"] = problem
        if "labels" in fields and (problem := _labels_problem(fields["labels"])):
            errors["labels"] = problem
        if (
            "reporter" in fields
            and "reporter" not in errors
            and not self._find_user(fields["reporter"])
        ):
            errors["reporter"] = "Specified reporter is not a user."
        if "priority" in fields and (fields["priority"] or {}).get("name") not in PRIORITIES:
            errors["priority"] = "Specify the Priority (name) in the string format"
        return errors

    async def _get_issue(self, call: _Call) -> web.StreamResponse:
        key, _ = self._issue(call.match["key"])
        wanted = set(call.listed("fields")) or {"*all"}
        return web.json_response(self._issue_json(key, call, wanted))

    def _issue_json(self, key: str, call: _Call, wanted: set[str]) -> dict[str, Any]:
        stored = self.issues[key]
        out: dict[str, Any] = {
            "expand": "renderedFields,names,schema,transitions",
            "id": stored["id"],
            "key": key,
            "self": f"{self._base(call)}/issue/{stored['id']}",
        }
        if wanted & {"*all", "*navigable"}:
            wanted = set(SYSTEM_FIELDS)
        fields = {
            name: self._field_json(stored, name, call) for name in wanted if name in SYSTEM_FIELDS
        }
        if fields or wanted != {"id"}:
            out["fields"] = fields
        return out

    def _field_json(self, stored: dict[str, Any], name: str, call: _Call) -> Any:
        if name == "description":
            return _render_text(stored["description"], call.version)
        if name == "issuetype":
            return self._issue_type_json(stored["issuetype"], call)
        if name == "project":
            project = self._project_json(call)
            project.pop("issueTypes")
            return project
        if name == "status":
            return self._status_json(stored["status"], call)
        if name == "priority":
            index = PRIORITIES.index(stored["priority"]) + 1
            return {
                "self": f"{self._base(call)}/priority/{index}",
                "name": stored["priority"],
                "id": str(index),
                "iconUrl": f"{self.url}/icons/priority{index}.svg",
            }
        if name in ("reporter", "creator", "assignee"):
            ident = (
                stored["assignee"]
                if name == "assignee"
                else (stored["reporter"] if name == "reporter" else self.users[0]["accountId"])
            )
            user = next((u for u in self.users if ident in (u["accountId"], u["name"])), None)
            return self._user_json(user, call) if user else None
        if name == "comment":
            comments = [self._comment_json(c, call) for c in stored["comments"]]
            return {
                "comments": comments,
                "maxResults": len(comments),
                "total": len(comments),
                "startAt": 0,
            }
        if name == "resolution":
            return {"name": "Done"} if self.statuses[stored["status"]] == "done" else None
        return stored.get(name)

    def _status_json(self, status: str, call: _Call) -> dict[str, Any]:
        status_id = str(10000 + list(self.statuses).index(status))
        category = dict(CATEGORY[self.statuses[status]])
        category["self"] = f"{self._base(call)}/statuscategory/{category['id']}"
        return {
            "self": f"{self._base(call)}/status/{status_id}",
            "description": "",
            "iconUrl": f"{self.url}/icons/status.png",
            "name": status,
            "id": status_id,
            "statusCategory": category,
        }

    async def _edit_issue(self, call: _Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        fields = (call.body or {}).get("fields") or {}
        errors = self._validate(fields, call.version, allowed=EDIT_FIELDS, creating=False)
        if errors:
            raise JiraHTTPError(400, errors=errors)
        for name, value in fields.items():
            stored[name] = (
                self._type_name(value)
                if name == "issuetype"
                else (value["name"] if name == "priority" else value)
            )
        stored["updated"] = jira_time()
        return web.Response(status=204)

    # ---- transitions and comments --------------------------------------------------------

    def _available(self, stored: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(id, name, target status) of the transitions offered from the issue's status."""
        return [
            (str(11 + 10 * index), name, target)
            for index, (name, target) in enumerate(self.transitions.items())
            if target != stored["status"]
        ]

    async def _get_transitions(self, call: _Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        items = [
            {
                "id": tid,
                "name": name,
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "to": self._status_json(target, call),
            }
            for tid, name, target in self._available(stored)
        ]
        return web.json_response({"expand": "transitions", "transitions": items})

    async def _do_transition(self, call: _Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        wanted = str(((call.body or {}).get("transition") or {}).get("id"))
        target = next((t for tid, _, t in self._available(stored) if tid == wanted), None)
        if target is None:
            raise JiraHTTPError(400, [f"Transition id '{wanted}' is not valid for this issue."])
        for item in ((call.body or {}).get("update") or {}).get("comment") or []:
            self._append_comment(stored, (item.get("add") or {}).get("body"), call)
        stored["status"] = target
        stored["updated"] = jira_time()
        return web.Response(status=204)

    async def _get_comments(self, call: _Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        comments = [self._comment_json(c, call) for c in stored["comments"]]
        return web.json_response(
            {
                "comments": comments,
                "startAt": 0,
                "maxResults": len(comments),
                "total": len(comments),
            }
        )

    async def _add_comment(self, call: _Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        body = (call.body or {}).get("body") if isinstance(call.body, dict) else None
        if body is None or body == "":
            raise JiraHTTPError(400, errors={"comment": "Comment body can not be empty!"})
        if problem := _text_problem(body, call.version):
            raise JiraHTTPError(400, errors={"comment": problem})
        comment = self._append_comment(stored, body, call)
        return web.json_response(self._comment_json(comment, call), status=201)

    def _append_comment(self, stored: dict[str, Any], body: Any, call: _Call) -> dict[str, Any]:
        comment = {
            "id": str(10000 + sum(len(i["comments"]) for i in self.issues.values())),
            "issue_id": stored["id"],
            "body": body,
            "created": jira_time(),
        }
        stored["comments"].append(comment)
        stored["updated"] = comment["created"]
        return comment

    def _comment_json(self, comment: dict[str, Any], call: _Call) -> dict[str, Any]:
        author = self._user_json(self.users[0], call)
        return {
            "self": f"{self._base(call)}/issue/{comment['issue_id']}/comment/{comment['id']}",
            "id": comment["id"],
            "author": author,
            "updateAuthor": author,
            "body": _render_text(comment["body"], call.version),
            "created": comment["created"],
            "updated": comment["created"],
        }

    # ---- search --------------------------------------------------------------------------

    def _search_args(self, call: _Call) -> tuple[str, set[str], int, str | None, int]:
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
        keys = [
            key
            for key, stored in self.issues.items()
            if all(self._matches(stored, key, clause) for clause in clauses)
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
            haystack = stored["summary"] if clause.field == "summary" else _all_text(stored)
            hit = all(
                word.casefold() in haystack.casefold()
                for word in str(clause.values[0] or "").split()
            )
            return hit if clause.op == "~" else not hit
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

    async def _search_jql(self, call: _Call) -> web.StreamResponse:
        if self.flavour != "cloud":
            raise JiraHTTPError(404, ["null for uri: /rest/api/2/search/jql"])
        jql, fields, size, token, _ = self._search_args(call)
        keys = self._run_jql(jql, bounded=True)
        start = int(token) if token and token.isdigit() else 0
        page = keys[start : start + min(size, 5000)]
        out: dict[str, Any] = {
            "issues": [self._issue_json(k, call, fields or {"id"}) for k in page],
            "isLast": start + len(page) >= len(keys),
        }
        if not out["isLast"]:
            out["nextPageToken"] = str(start + len(page))
        return web.json_response(out)

    async def _search_old(self, call: _Call) -> web.StreamResponse:
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
        page = keys[start : start + size]
        wanted = fields or {"*navigable"}
        return web.json_response(
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(keys),
                "issues": [self._issue_json(k, call, wanted) for k in page],
            }
        )


# ---- validation helpers (pure) -----------------------------------------------------------


def _auth_kind(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.split(" ", 1)[0].lower() if header else None


def _summary_problem(summary: Any, flavour: str) -> str | None:
    if not isinstance(summary, str) or not summary.strip():
        return "You must specify a summary of the issue."
    if "\n" in summary or "\r" in summary:
        return "The summary is invalid because it contains newline characters."
    if utf16_len(summary) > MAX_SUMMARY:
        return (
            "Summary can't exceed 255 characters."
            if flavour == "cloud"
            else "Summary must be less than 255 characters."
        )
    return None


def _text_problem(value: Any, version: str) -> str | None:
    if value is None:
        return None
    if version == "3":
        problem = adf_problem(value)
        if problem:
            return f"{ADF_REQUIRED}: {problem}"
        text = adf_to_text(value)
    elif isinstance(value, str):
        text = value
    else:
        return "Operation value must be a string"
    return TOO_LONG if utf16_len(text) > MAX_TEXT else None


def _labels_problem(labels: Any) -> str | None:
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        return "Operation value must be a string"
    for label in labels:
        if not label or any(ch.isspace() for ch in label):
            return f"The label '{label}' contains spaces which is invalid."
        if len(label) > MAX_LABEL:
            return (
                f"The label '{label[:20]}…' exceeds the maximum length for a single "
                "label of 255 characters."
            )
    return None


def _render_text(value: Any, version: str) -> Any:
    if value is None:
        return None
    if version == "3":
        return value if isinstance(value, dict) else adf_from_text(str(value))
    return adf_to_text(value) if isinstance(value, dict) else value


def _all_text(stored: dict[str, Any]) -> str:
    parts = [stored["summary"], _plain(stored["description"])]
    parts += [_plain(c["body"]) for c in stored["comments"]]
    return "\n".join(parts)


def _plain(value: Any) -> str:
    return adf_to_text(value) if isinstance(value, dict) else str(value or "")


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Jira emulator until interrupted.")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--server", action="store_true", help="Server flavour instead of Cloud")
    args = parser.parse_args()

    async def serve() -> None:
        async with JiraEmulator(
            port=args.port, flavour="server" if args.server else "cloud"
        ) as emu:
            print(json.dumps(emu.env()), flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
