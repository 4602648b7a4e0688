"""`JiraEmulator`: the aiohttp server, its routes and the test API."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web

from . import validation
from .jql import Clause, JqlParser
from .model import (
    CATEGORY,
    CREATE_FIELDS,
    DEFAULT_EMAIL,
    DEFAULT_PAT,
    DEFAULT_STATUSES,
    DEFAULT_TOKEN,
    EDIT_FIELDS,
    NOT_FOUND_ISSUE,
    NOT_SETTABLE,
    PRIORITIES,
    SERVICE_ACCOUNT_ID,
    SYSTEM_FIELDS,
    Fault,
    JiraHTTPError,
    RecordedRequest,
    jira_time,
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
        self.search_page_cap: int | None = None  # None: Jira's own caps (see _page_size)
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

    def add_issue(self, summary: str, *, issue_type: str = "Task", description: Any = None) -> str:
        """File an issue as a Jira user would (not validated); ``description``: text or ADF."""
        if issue_type not in self.issue_types:
            raise KeyError(f"unknown issue type {issue_type!r}; have {self.issue_types}")
        number, self.next_number = self.next_number, self.next_number + 1
        key = f"{self.project_key}-{number}"
        fields = {"summary": summary, "issuetype": {"name": issue_type}, "description": description}
        version = "3" if isinstance(description, dict) else "2"
        self.issues[key] = self._store(fields, number, version)
        return key

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
            request.method,
            path,
            request.match_info["version"],
            params,
            body,
            validation.auth_kind(request),
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
        summary_problem = validation.summary_problem(fields.get("summary"), self.flavour)
        if (creating or "summary" in fields) and summary_problem:
            errors["summary"] = summary_problem
        if "description" in fields and (
            problem := validation.text_problem(fields["description"], version)
        ):
            errors["description"] = problem
        if "labels" in fields and (problem := validation.labels_problem(fields["labels"])):
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
            return validation.render_text(stored["description"], call.version)
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
        if problem := validation.text_problem(body, call.version):
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
            "body": validation.render_text(comment["body"], call.version),
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
            haystack = (
                stored["summary"] if clause.field == "summary" else validation.all_text(stored)
            )
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

    async def _search_jql(self, call: _Call) -> web.StreamResponse:
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
