"""What every resource of the Jira emulator shares: its state and how Jira renders it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from .call import Call
from .model import (
    CATEGORY,
    DEFAULT_EMAIL,
    DEFAULT_PAT,
    DEFAULT_STATUSES,
    DEFAULT_TOKEN,
    NOT_FOUND_ISSUE,
    SERVICE_ACCOUNT_ID,
    Fault,
    JiraHTTPError,
    RecordedRequest,
)


class JiraState:
    """The emulated site: project, issue types, statuses, users, issues, faults; see
    ``JiraEmulator``. Resources render it as Jira's JSON."""

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
        #: Jira Cloud's search is not read-after-write consistent: an issue is missing from JQL
        #: search for this long after its create (reading it by key works at once).
        self.search_lag_s = 0.0
        self.searchable_at: dict[str, float] = {}
        self.down = False
        self.reporter_settable = True
        self.search_page_cap: int | None = None  # None: Jira's own caps (see _page_size)
        self.next_number = 1
        self.next_change_id = 10000  # changelog history ids
        self.next_comment_id = 10000
        self._drops = 0
        self._runner: web.AppRunner | None = None
        self.add_user(email, "ticketbot", account_id=SERVICE_ACCOUNT_ID)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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

    def _base(self, call: Call) -> str:
        return f"{self.url}/rest/api/{call.version}"

    def _cut(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        record.status = None
        return web.Response(status=500)

    def _issue(self, key_or_id: str) -> tuple[str, dict[str, Any]]:
        key = key_or_id.upper()
        for stored_key, stored in self.issues.items():
            if key in (stored_key, stored["id"], *stored.get("old_keys", ())):
                return stored_key, stored
        raise JiraHTTPError(404, [NOT_FOUND_ISSUE])

    def _require_project(self, ref: str) -> None:
        if ref.upper() != self.project_key and ref != "10000":
            raise JiraHTTPError(404, [f"No project could be found with key '{ref}'."])

    def _project_json(self, call: Call) -> dict[str, Any]:
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

    def _issue_types_json(self, call: Call) -> list[dict[str, Any]]:
        return [self._issue_type_json(name, call) for name in self.issue_types]

    def _type_id(self, name: str) -> str:
        return str(10001 + self.issue_types.index(name))

    def _issue_type_json(self, name: str, call: Call) -> dict[str, Any]:
        type_id = self._type_id(name)
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

    def _user_json(self, user: dict[str, Any], call: Call) -> dict[str, Any]:
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

    def _status_json(self, status: str, call: Call) -> dict[str, Any]:
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

    def _type_name(self, ref: Any) -> str | None:
        if not isinstance(ref, dict):
            return None
        for name in self.issue_types:
            if ref.get("name") == name or str(ref.get("id")) == str(
                10001 + self.issue_types.index(name)
            ):
                return name
        return None
