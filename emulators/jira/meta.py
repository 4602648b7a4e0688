"""Jira resources about the site, not its issues: serverInfo, fields, myself, projects,
issue types, create metadata and user search."""

from __future__ import annotations

from aiohttp import web

from .base import JiraState
from .call import Call
from .model import (
    CREATE_FIELDS,
    SYSTEM_FIELDS,
    JiraHTTPError,
    jira_time,
)


class MetaResources(JiraState):
    """serverInfo, field, myself, project(s), issuetype, createmeta, user/search."""

    async def _server_info(self, call: Call) -> web.StreamResponse:
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

    async def _fields(self, call: Call) -> web.StreamResponse:
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

    async def _myself(self, call: Call) -> web.StreamResponse:
        return web.json_response(self._user_json(self.users[0], call))

    async def _projects(self, call: Call) -> web.StreamResponse:
        return web.json_response([self._project_json(call)])

    async def _project(self, call: Call) -> web.StreamResponse:
        self._require_project(call.match["project"])
        return web.json_response(self._project_json(call))

    async def _all_issue_types(self, call: Call) -> web.StreamResponse:
        return web.json_response(self._issue_types_json(call))

    async def _createmeta_old(self, call: Call) -> web.StreamResponse:
        if self.flavour == "cloud":
            raise JiraHTTPError(404, ["The requested API has been removed."])
        project = self._project_json(call)
        project["issuetypes"] = project.pop("issueTypes")
        return web.json_response({"expand": "projects", "projects": [project]})

    async def _createmeta_types(self, call: Call) -> web.StreamResponse:
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

    async def _createmeta_fields(self, call: Call) -> web.StreamResponse:
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

    async def _user_search(self, call: Call) -> web.StreamResponse:
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
