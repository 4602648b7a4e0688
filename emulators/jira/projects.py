"""Several projects, each with its own issue types, components and create screens (fields per
issue type, some required, custom selects with allowed values), and create metadata as Jira
serves it.

Control API (tests, the launcher)::

    ops = jira.add_project("OPS", issue_types=("Task", "Incident"), components=("Backend",))
    jira.require_field("OPS", "Incident", "customfield_10010", "Team",
                       allowed=("Platform", "Mobile"))            # a required custom select
    jira.require_field("OPS", "Task", "priority")                 # a system field, required
    jira.require_field("OPS", "Task", "components")

The project of ``JiraEmulator(project_key=…)`` is always there, with ``issue_types``. A create
is checked against its project's screen for the issue type, as Jira checks it: a field that is
not on the screen is "cannot be set", a required field left out is ``"<Name> is required."``,
and a value that is not allowed is refused, each in ``errors`` under the field id (400).

``GET issue/createmeta/{project}/issuetypes`` and ``…/issuetypes/{id}`` page by ``startAt`` /
``maxResults`` (default 50) and answer ``values`` with ``total`` (Cloud and Server 8.4+).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import JiraState
from .call import Call
from .model import PRIORITIES, JiraHTTPError

SYSTEM_SCREEN = ("summary", "issuetype", "project", "description", "labels", "reporter",
                 "priority", "assignee")
ALWAYS_REQUIRED = frozenset({"summary", "issuetype", "project"})
SYSTEM_NAMES = {"components": "Component/s", "issuetype": "Issue Type"}


@dataclass
class ScreenField:
    field_id: str
    name: str
    required: bool = True
    allowed: tuple[str, ...] = ()  # option values (custom select), empty: free text
    multi: bool = False
    option_ids: tuple[str, ...] = ()


@dataclass
class Project:
    key: str
    id: str
    name: str
    issue_types: list[str]
    components: list[str] = field(default_factory=list)
    #: issue type -> extra fields on its create screen (beyond SYSTEM_SCREEN)
    screens: dict[str, dict[str, ScreenField]] = field(default_factory=dict)


class ProjectState(JiraState):
    """The projects of the site; the default one mirrors ``project_key`` / ``issue_types``."""

    @property
    def projects(self) -> dict[str, Project]:
        if not hasattr(self, "_project_table"):
            self._project_table: dict[str, Project] = {}
        default = self._project_table.get(self.project_key)
        if default is None:
            default = Project(self.project_key, "10000", self.project_name, self.issue_types)
            self._project_table[self.project_key] = default
        default.issue_types = self.issue_types  # the same list: tests may edit either
        return self._project_table

    def add_project(
        self,
        key: str,
        name: str | None = None,
        *,
        issue_types: Iterable[str] = ("Task", "Bug"),
        components: Iterable[str] = (),
    ) -> Project:
        """A project the service account can create issues in."""
        types = list(issue_types)
        for type_name in types:
            if type_name not in self.issue_types and type_name not in self.extra_types:
                self.extra_types.append(type_name)
        project = Project(key, str(10000 + len(self.projects)), name or key.title(), types,
                          list(components))
        self.projects[key] = project
        return project

    def configure_projects(self, spec: Mapping[str, Any]) -> None:
        """Projects from a plain description (the launcher's ``--projects`` file)::

            {"OPS": {"name": "Operations", "issue_types": ["Task", "Incident"],
                     "components": ["Backend"],
                     "fields": {"Incident": [{"id": "customfield_10010", "name": "Team",
                                              "allowed": ["Platform", "Mobile"]}]}}}

        A field is required unless it says ``"required": false``.
        """
        for key, project in spec.items():
            if key != self.project_key:
                self.add_project(
                    key, project.get("name"),
                    issue_types=project.get("issue_types", ("Task", "Bug")),
                    components=project.get("components", ()),
                )
            for type_name, fields in (project.get("fields") or {}).items():
                for item in fields:
                    self.require_field(
                        key, type_name, item["id"], item.get("name"),
                        allowed=item.get("allowed", ()), required=item.get("required", True),
                        multi=item.get("multi", False),
                    )

    @property
    def extra_types(self) -> list[str]:
        """Issue types only other projects have (ids after the default project's)."""
        if not hasattr(self, "_extra_types"):
            self._extra_types: list[str] = []
        return self._extra_types

    def require_field(
        self,
        project: str,
        issue_type: str,
        field_id: str,
        name: str | None = None,
        *,
        allowed: Sequence[str] = (),
        required: bool = True,
        multi: bool = False,
    ) -> None:
        """Put ``field_id`` on the create screen of ``issue_type`` in ``project`` (required
        unless ``required=False``); a custom select lists ``allowed``."""
        found = self.projects[project]
        if issue_type not in found.issue_types:
            raise KeyError(f"{project} has no issue type {issue_type!r}")
        label = name or SYSTEM_NAMES.get(field_id, field_id.title())
        screen = found.screens.setdefault(issue_type, {})
        used = sum(len(fields) for p in self.projects.values() for fields in p.screens.values())
        first = 10100 + 100 * used
        ids = tuple(str(first + i) for i in range(len(allowed)))
        screen[field_id] = ScreenField(field_id, label, required, tuple(allowed), multi, ids)

    # ---- lookups used by the resources ---------------------------------------------------

    def project_for(self, ref: Any) -> Project | None:
        """The project a create's ``{"key": …}`` / ``{"id": …}`` or a path segment names."""
        if isinstance(ref, dict):
            ref = ref.get("key") or ref.get("id")
        if ref is None:
            return None
        wanted = str(ref).upper()
        return next((p for p in self.projects.values() if wanted in (p.key, p.id)), None)

    def _require_project(self, ref: str) -> None:
        if self.project_for(ref) is None:
            raise JiraHTTPError(404, [f"No project could be found with key '{ref}'."])

    def _type_id(self, name: str) -> str:
        if name in self.issue_types:
            return str(10001 + self.issue_types.index(name))
        return str(10101 + self.extra_types.index(name))

    def _type_name(self, ref: Any) -> str | None:
        if not isinstance(ref, dict):
            return None
        for name in [*self.issue_types, *self.extra_types]:
            if ref.get("name") == name or str(ref.get("id")) == self._type_id(name):
                return name
        return None

    def screen(self, project: Project, issue_type: str) -> dict[str, ScreenField]:
        """Every field on the create screen, system ones included."""
        fields = {
            name: ScreenField(name, SYSTEM_NAMES.get(name, name.title()), name in ALWAYS_REQUIRED)
            for name in SYSTEM_SCREEN
        }
        if project.components:
            fields["components"] = ScreenField("components", "Component/s", False, multi=True)
        for field_id, extra in project.screens.get(issue_type, {}).items():
            fields[field_id] = extra
        return fields

    def screen_problems(
        self, project: Project, issue_type: str, fields: dict[str, Any]
    ) -> dict[str, str]:
        """Jira's ``errors`` for what ``fields`` lacks or sets wrongly on the screen."""
        errors: dict[str, str] = {}
        screen = self.screen(project, issue_type)
        for field_id, spec in screen.items():
            if field_id in ("summary", "issuetype", "project"):
                continue
            value = fields.get(field_id)
            if spec.required and value in (None, "", [], {}):
                errors[field_id] = f"{spec.name} is required."
            elif value not in (None, "", [], {}) and (problem := self._value_problem(
                project, spec, value
            )):
                errors[field_id] = problem
        return errors

    def _value_problem(self, project: Project, spec: ScreenField, value: Any) -> str | None:
        if spec.field_id == "components":
            for item in value if isinstance(value, list) else [value]:
                ref = (item or {}).get("name") or (item or {}).get("id")
                names = {c: str(20000 + i) for i, c in enumerate(project.components)}
                if ref not in names and ref not in names.values():
                    return f"Component name '{ref}' is not valid"
            return None
        if spec.field_id == "priority":
            ref = (value or {}).get("name") or (value or {}).get("id")
            ids = [str(i + 1) for i in range(len(PRIORITIES))]
            return None if ref in PRIORITIES or ref in ids else "Priority is not valid"
        if spec.allowed:
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict):
                    return "Specify a valid 'id' or 'value' for " + spec.name
                if "id" in item and str(item["id"]) not in spec.option_ids:
                    return f"Option id '{item['id']}' is not valid"
                if "id" not in item and item.get("value") not in spec.allowed:
                    return f"Option value '{item.get('value')}' is not valid"
        return None

    def option_value(self, spec: ScreenField, item: dict[str, Any]) -> str:
        if "id" in item:
            return spec.allowed[spec.option_ids.index(str(item["id"]))]
        return str(item.get("value"))

    # ---- JSON -----------------------------------------------------------------------------

    def project_json(self, project: Project, call: Call) -> dict[str, Any]:
        return {
            "self": f"{self._base(call)}/project/{project.id}",
            "id": project.id,
            "key": project.key,
            "name": project.name,
            "projectTypeKey": "software",
            "simplified": False,
            "style": "classic",
            "issueTypes": [self._issue_type_json(name, call) for name in project.issue_types],
        }

    def field_json(self, project: Project, spec: ScreenField, call: Call) -> dict[str, Any]:
        out: dict[str, Any] = {
            "required": spec.required,
            "name": spec.name,
            "key": spec.field_id,
            "fieldId": spec.field_id,
            "hasDefaultValue": False,
            "operations": ["set"] if not spec.multi else ["add", "set", "remove"],
        }
        if spec.field_id == "priority":
            out["schema"] = {"type": "priority", "system": "priority"}
            out["allowedValues"] = [
                {"self": f"{self._base(call)}/priority/{i + 1}", "id": str(i + 1), "name": p}
                for i, p in enumerate(PRIORITIES)
            ]
        elif spec.field_id == "components":
            out["schema"] = {"type": "array", "items": "component", "system": "components"}
            out["allowedValues"] = [
                {"self": f"{self._base(call)}/component/{20000 + i}", "id": str(20000 + i),
                 "name": name}
                for i, name in enumerate(project.components)
            ]
        elif spec.allowed:
            kind = "multiselect" if spec.multi else "select"
            schema: dict[str, Any] = {
                "type": "array" if spec.multi else "option",
                "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{kind}",
                "customId": int(spec.field_id.rsplit("_", 1)[-1] or 0)
                if spec.field_id.startswith("customfield_") else None,
            }
            if spec.multi:
                schema["items"] = "option"
            out["schema"] = schema
            out["allowedValues"] = [
                {"self": f"{self._base(call)}/customFieldOption/{oid}", "value": value, "id": oid}
                for oid, value in zip(spec.option_ids, spec.allowed, strict=True)
            ]
        else:
            out["schema"] = {"type": "string", "system": spec.field_id}
        return out


def page(items: Sequence[Any], call: Call) -> dict[str, Any]:
    """One page of ``items`` by ``startAt`` / ``maxResults``, as createmeta pages."""
    try:
        start = max(0, int(call.param("startAt", "0") or 0))
        size = int(call.param("maxResults", "50") or 50)
    except ValueError:
        raise JiraHTTPError(400, ["startAt and maxResults must be numbers"]) from None
    size = min(max(size, 1), 200)
    chunk = list(items[start : start + size])
    return {
        "startAt": start,
        "maxResults": size,
        "total": len(items),
        "isLast": start + size >= len(items),
        "values": chunk,
    }
