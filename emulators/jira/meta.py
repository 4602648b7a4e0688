"""Jira resources about the site, not its issues: serverInfo, fields, myself, projects,
issue types, create metadata and user search."""

from __future__ import annotations

from aiohttp import web

from .call import Call
from .model import (
    SYSTEM_FIELDS,
    JiraHTTPError,
    jira_time,
)
from .projects import Project, ProjectState, page


class MetaResources(ProjectState):
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
        return web.json_response([self.project_json(p, call) for p in self.projects.values()])

    async def _project(self, call: Call) -> web.StreamResponse:
        return web.json_response(self.project_json(self._named(call), call))

    async def _all_issue_types(self, call: Call) -> web.StreamResponse:
        names = [*self.issue_types, *self.extra_types]
        return web.json_response([self._issue_type_json(name, call) for name in names])

    def _named(self, call: Call) -> Project:
        self._require_project(call.match["project"])
        found = self.project_for(call.match["project"])
        assert found is not None
        return found

    async def _createmeta_old(self, call: Call) -> web.StreamResponse:
        if self.flavour == "cloud":
            raise JiraHTTPError(404, ["The requested API has been removed."])
        projects = []
        for found in self.projects.values():
            project = self.project_json(found, call)
            project["issuetypes"] = project.pop("issueTypes")
            projects.append(project)
        return web.json_response({"expand": "projects", "projects": projects})

    async def _createmeta_types(self, call: Call) -> web.StreamResponse:
        project = self._named(call)
        types = [self._issue_type_json(name, call) for name in project.issue_types]
        body = page(types, call)
        if self.flavour == "cloud":
            body["issueTypes"] = body["values"]
        return web.json_response(body)

    async def _createmeta_fields(self, call: Call) -> web.StreamResponse:
        project = self._named(call)
        wanted = call.match["type"]
        issue_type = next(
            (n for n in project.issue_types if wanted in (n, self._type_id(n))), None
        )
        if issue_type is None:
            raise JiraHTTPError(404, [f"Issue type with id '{wanted}' does not exist."])
        screen = self.screen(project, issue_type)
        fields = [self.field_json(project, spec, call) for spec in screen.values()]
        body = page(fields, call)
        if self.flavour == "cloud":
            body["fields"] = body["values"]
        return web.json_response(body)

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
