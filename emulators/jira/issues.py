"""Jira issues: create, read and edit (and how an issue and its comments are rendered)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from . import validation
from .attachments import attachments_json
from .call import Call
from .changes import ChangeResources, item, record_change
from .model import (
    CREATE_FIELDS,
    EDIT_FIELDS,
    NOT_SETTABLE,
    PRIORITIES,
    SYSTEM_FIELDS,
    JiraHTTPError,
    jira_time,
)
from .projects import Project, ProjectState


class IssueResources(ChangeResources, ProjectState):
    """POST issue, GET and PUT issue/{key}; an issue's and a comment's JSON."""

    async def _create_issue(self, call: Call) -> web.StreamResponse:
        fields = call.body.get("fields") if isinstance(call.body, dict) else None
        if not isinstance(fields, dict):
            raise JiraHTTPError(400, ["Can not deserialize the request: 'fields' is required."])
        project = self.project_for(fields.get("project"))
        if project is None:
            raise JiraHTTPError(400, errors={"project": "Specify a valid project ID or key"})
        number, self.next_number = self.next_number, self.next_number + 1
        errors = self._create_problems(project, fields, call.version)
        if errors:
            raise JiraHTTPError(400, errors=errors)
        key = f"{project.key}-{number}"
        self.issues[key] = self._store(fields, number, call.version)
        self._keep_screen_values(self.issues[key], project, fields)
        self.searchable_at[key] = time.monotonic() + self.search_lag_s
        if self._drops > 0:
            self._drops -= 1
            return self._cut(call.request, call.record)
        return web.json_response(
            {"id": self.issues[key]["id"], "key": key, "self": f"{self._base(call)}/issue/{key}"},
            status=201,
        )

    def _create_problems(
        self, project: Project, fields: dict[str, Any], version: str
    ) -> dict[str, str]:
        """What Jira says about a create in ``project``: its screen decides what may be set
        and what is required (``projects.py``)."""
        type_name = self._type_name(fields.get("issuetype"))
        if type_name is not None and type_name not in project.issue_types:
            type_name = None
            fields = {**fields, "issuetype": {"name": "?"}}
        allowed = set(CREATE_FIELDS)
        if type_name is not None:
            allowed |= set(self.screen(project, type_name))
        errors = self._validate(fields, version, allowed=allowed, creating=True)
        if not errors and type_name is not None:
            errors = self.screen_problems(project, type_name, fields)
        return errors

    def _keep_screen_values(
        self, stored: dict[str, Any], project: Project, fields: dict[str, Any]
    ) -> None:
        stored["project"] = project.key
        screen = self.screen(project, stored["issuetype"])
        custom: dict[str, Any] = {}
        for field_id, value in fields.items():
            spec = screen.get(field_id)
            if field_id == "components":
                items = value if isinstance(value, list) else [value]
                names = {str(20000 + i): c for i, c in enumerate(project.components)}
                stored["components"] = [
                    names.get(str(i.get("id")), i.get("name")) for i in items if i
                ]
            elif spec is not None and spec.allowed:
                items = value if isinstance(value, list) else [value]
                picked = [self.option_value(spec, i) for i in items if isinstance(i, dict)]
                custom[field_id] = picked if spec.multi else picked[0]
            elif field_id.startswith("customfield_"):
                custom[field_id] = value
        stored["custom"] = custom

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
            "priority": _priority_name(fields.get("priority")) or "Medium",
            "status": next(iter(self.statuses)),
            "created": now,
            "updated": now,
            "comments": [],
            "histories": [],
            "api_version": version,
        }

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
        if "priority" in fields and _priority_name(fields["priority"]) is None:
            errors["priority"] = "Specify the Priority (name) in the string format"
        return errors

    async def _get_issue(self, call: Call) -> web.StreamResponse:
        key, _ = self._issue(call.match["key"])
        wanted = set(call.listed("fields")) or {"*all"}
        return web.json_response(self._issue_json(key, call, wanted))

    def _issue_json(self, key: str, call: Call, wanted: set[str]) -> dict[str, Any]:
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
        if "changelog" in call.listed("expand"):
            out["changelog"] = self.changelog_json(stored, call)
        return out

    def _field_json(self, stored: dict[str, Any], name: str, call: Call) -> Any:
        if name == "description":
            return validation.render_text(stored["description"], call.version)
        if name == "issuetype":
            return self._issue_type_json(stored["issuetype"], call)
        if name == "project":
            found = self.project_for(stored["project"])
            project = self.project_json(found, call) if found else self._project_json(call)
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
        if name == "attachment":
            return attachments_json(self, stored, call)
        if name == "resolution":
            return {"name": "Done"} if self.statuses[stored["status"]] == "done" else None
        return stored.get(name)

    async def _edit_issue(self, call: Call) -> web.StreamResponse:
        _, stored = self._issue(call.match["key"])
        fields = (call.body or {}).get("fields") or {}
        errors = self._validate(fields, call.version, allowed=EDIT_FIELDS, creating=False)
        if errors:
            raise JiraHTTPError(400, errors=errors)
        items = []
        for name, value in fields.items():
            new = (
                self._type_name(value)
                if name == "issuetype"
                else (value["name"] if name == "priority" else value)
            )
            if stored[name] != new and name != "description":
                items.append(item(name, _shown(stored[name]), _shown(new)))
            stored[name] = new
        record_change(self, stored, self.users[0]["accountId"], items)
        return web.Response(status=204)

    def _append_comment(self, stored: dict[str, Any], body: Any, call: Call) -> dict[str, Any]:
        return self.store_comment(stored, body)

    def _comment_json(self, comment: dict[str, Any], call: Call) -> dict[str, Any]:
        author_id = comment.get("author") or self.users[0]["accountId"]
        author = self._author_json(author_id, call)
        out: dict[str, Any] = {
            "self": f"{self._base(call)}/issue/{comment['issue_id']}/comment/{comment['id']}",
            "id": comment["id"],
            "author": author,
            # Jira stamps an edit in ``updated`` and names the editor in ``updateAuthor``.
            "updateAuthor": self._author_json(comment.get("editor") or author_id, call),
            "body": validation.render_text(comment["body"], call.version),
            "created": comment["created"],
            "updated": comment.get("edited") or comment["created"],
            "jsdPublic": not comment.get("internal"),
        }
        if comment.get("visibility"):
            out["visibility"] = comment["visibility"]
        if "properties" in call.listed("expand") and comment.get("internal"):
            out["properties"] = [{"key": "sd.public.comment", "value": {"internal": True}}]
        return out


def _shown(value: Any) -> Any:
    """A changed field's value as the changelog's ``fromString``/``toString`` shows it."""
    if value is None or isinstance(value, str):
        return value
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _priority_name(value: Any) -> str | None:
    """A priority given by name or by id (``{"id": "3"}`` is Medium), None if neither."""
    if not isinstance(value, dict):
        return None
    if value.get("name") in PRIORITIES:
        return str(value["name"])
    ids = {str(i + 1): name for i, name in enumerate(PRIORITIES)}
    return ids.get(str(value.get("id")))
