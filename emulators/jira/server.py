"""`JiraEmulator`: the aiohttp server, its dispatch and the test API; resources in the mixins."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from aiohttp import web

from . import validation
from .attachments import AttachmentResources
from .call import Call, Handler
from .comment_edits import CommentResources
from .control import add_control_routes
from .meta import MetaResources
from .model import Fault, JiraHTTPError, RecordedRequest
from .search import SearchResources
from .workflow import WorkflowResources


class JiraEmulator(
    MetaResources, CommentResources, WorkflowResources, SearchResources, AttachmentResources
):
    """Jira Cloud (``flavour="cloud"``) or Server (``"server"``) on 127.0.0.1 (see the package)."""

    # ---- lifecycle and test API ----------------------------------------------------------

    async def start(self) -> JiraEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # attachments
        app.router.add_route("*", "/rest/api/{version:[23]}/{tail:.*}", self._dispatch)
        add_control_routes(app, self)
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

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: dict[str, Any] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (``path``: a substring),
        ``delay_s`` after they arrive. Of several rules, the first one that matches applies."""
        self.faults.append(Fault(status, times, retry_after, method, path, body, delay_s))

    def slow(
        self,
        seconds: float,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests as usual, but ``seconds`` late (a create
        stored only after the client's own deadline or lease has passed, say)."""
        self.faults.append(Fault(None, times, None, method, path, None, seconds))

    def drop_after_create(self, times: int = 1) -> None:
        """Store the next ``times`` created issues, then cut the connection without answering."""
        self._drops += times

    def set_status(self, key: str, status: str) -> None:
        """Move an issue as a Jira user would (no transition check; in the changelog)."""
        self.transition_as(key, status)

    def add_issue(
        self,
        summary: str,
        *,
        issue_type: str = "Task",
        description: Any = None,
        labels: Sequence[str] = (),
        created: str | None = None,
        project: str | None = None,
    ) -> str:
        """File an issue as a Jira user would (not validated, searchable at once).

        ``description``: text or ADF; ``created``: a Jira timestamp, for an issue filed long ago;
        ``project``: another project's key (readable by the same account), for a key like HR-1.
        """
        if issue_type not in self.issue_types:
            raise KeyError(f"unknown issue type {issue_type!r}; have {self.issue_types}")
        number, self.next_number = self.next_number, self.next_number + 1
        key = f"{project or self.project_key}-{number}"
        fields = {
            "summary": summary,
            "issuetype": {"name": issue_type},
            "description": description,
            "labels": list(labels),
        }
        version = "3" if isinstance(description, dict) else "2"
        self.issues[key] = self._store(fields, number, version)
        self.issues[key]["project"] = project or self.project_key
        if created is not None:
            self.issues[key]["created"] = self.issues[key]["updated"] = created
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

    @cached_property
    def _routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
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
            ("GET", r"/issue/(?P<key>[^/]+)/comment/(?P<id>[^/]+)", self._get_comment),
            ("PUT", r"/issue/(?P<key>[^/]+)/comment/(?P<id>[^/]+)", self._edit_comment),
            ("DELETE", r"/issue/(?P<key>[^/]+)/comment/(?P<id>[^/]+)", self._delete_comment),
            ("POST", r"/issue/(?P<key>[^/]+)/attachments", self._add_attachments),
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
        fault = self._take_fault(call)  # on arrival: a slow rule applies to one request only
        if fault is not None and fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        try:
            if fault is not None and fault.status is not None:
                response = self._fault_response(fault)
            else:
                response = await self._handle(call)
        except JiraHTTPError as err:
            response = web.json_response(err.body, status=err.status)
        call.record.status = response.status
        return response

    async def _parse(self, request: web.Request) -> Call:
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
        return Call(request, request.match_info["version"], path, params, body, dummy, record)

    def _take_fault(self, call: Call) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.matches(call.request.method, call.path):
                fault.times -= 1
                return fault
        return None

    def _fault_response(self, fault: Fault) -> web.StreamResponse:
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        body = fault.body or {"errorMessages": [f"Emulated {fault.status}"], "errors": {}}
        return web.json_response(body, status=fault.status or 500, headers=headers)

    async def _handle(self, call: Call) -> web.StreamResponse:
        self._check_auth(call)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if match and method == call.request.method:
                call.match = match
                return await handler(call)
        if any(pattern.fullmatch(call.path) for _, pattern, _ in self._routes):
            raise JiraHTTPError(405, ["Method not allowed"])
        raise JiraHTTPError(404, [f"No route for {call.path}"])

    def _check_auth(self, call: Call) -> None:
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
