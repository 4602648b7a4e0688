"""Jira's create metadata: a project's issue types and, per type, its fields (required or not,
allowed values), read page by page and cached for ``ttl_s`` (``routing.metadata_cache_s``).

Endpoints: ``GET /rest/api/{2,3}/issue/createmeta/{project}/issuetypes`` and
``…/issuetypes/{issueTypeId}``, both paged by ``startAt`` / ``maxResults`` with ``values``.
The ``jira`` package has ``project_issue_types`` / ``project_issue_fields`` for them, but
3.10.5 refuses to call them on Cloud (``_check_createmeta_issuetypes``), where they are the
documented way; so the pages are read with the client's own ``_get_json``. A server without
the endpoint (Jira Server / Data Center before 8.4 answers 404) gives the issue types of
``GET project/{key}`` and no field metadata: issues are then filed as before, unchecked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jira import JIRA

from bot.errors import TrackerConfigError

log = logging.getLogger(__name__)

PAGE = 50
MAX_PAGES = 40  # 2,000 types or fields: more is not a create screen


@dataclass(frozen=True, slots=True)
class AllowedValue:
    id: str | None
    name: str  # what a person picks: an option's "value", a component's or priority's "name"


@dataclass(frozen=True, slots=True)
class FieldMeta:
    """One field of a create screen."""

    field_id: str
    name: str
    required: bool
    schema_type: str  # "option", "priority", "array", "string", "number", "user", …
    items: str | None = None  # for arrays: "option", "component", "string", …
    allowed: tuple[AllowedValue, ...] = ()
    has_default: bool = False

    def matches(self, ref: str) -> bool:
        """Whether ``ref`` (a field id or a name, any case) names this field."""
        return ref == self.field_id or ref.casefold() == self.name.casefold()


@dataclass(frozen=True, slots=True)
class TypeMeta:
    id: str
    name: str
    fields: tuple[FieldMeta, ...] | None = None  # None: no field metadata (old server)


@dataclass(slots=True)
class _Entry:
    at: float
    value: Any = field(default=None)


Call = Callable[[Callable[[JIRA], Any], str], Awaitable[Any]]


class CreateMeta:
    """Cached create metadata. ``call(fn, action)`` runs ``fn(client)`` off the event loop."""

    def __init__(
        self, call: Call, *, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._call = call
        self._ttl_s = ttl_s
        self._clock = clock
        self._types: dict[str, _Entry] = {}
        self._fields: dict[tuple[str, str], _Entry] = {}
        self._no_endpoint = False

    def forget(self, project: str | None = None) -> None:
        """Drop what is cached (for ``project``, or all): Jira refused what it said."""
        if project is None:
            self._types.clear()
            self._fields.clear()
            return
        self._types.pop(project, None)
        for key in [k for k in self._fields if k[0] == project]:
            del self._fields[key]

    async def issue_types(self, project: str) -> list[TypeMeta]:
        """The issue types a person may create in ``project`` (TrackerConfigError: none such)."""
        entry = self._types.get(project)
        if entry is None or self._clock() - entry.at >= self._ttl_s:
            entry = _Entry(self._clock(), await self._read_types(project))
            self._types[project] = entry
        types: list[TypeMeta] = entry.value
        return types

    async def fields(self, project: str, issue_type: TypeMeta) -> tuple[FieldMeta, ...] | None:
        """The create screen of ``issue_type`` in ``project``; None without the endpoint."""
        if self._no_endpoint:
            return None
        key = (project, issue_type.id)
        entry = self._fields.get(key)
        if entry is None or self._clock() - entry.at >= self._ttl_s:
            raw = await self._pages(f"issue/createmeta/{project}/issuetypes/{issue_type.id}")
            entry = _Entry(self._clock(), tuple(field_meta(item) for item in raw))
            self._fields[key] = entry
        fields: tuple[FieldMeta, ...] = entry.value
        return fields

    async def _read_types(self, project: str) -> list[TypeMeta]:
        if not self._no_endpoint:
            try:
                raw = await self._pages(f"issue/createmeta/{project}/issuetypes")
            except TrackerConfigError as exc:
                if exc.status != 404 or not await self._project_exists(project):
                    raise
                log.info("jira has no createmeta endpoint; required fields are not checked")
                self._no_endpoint = True
            else:
                return [TypeMeta(str(t["id"]), str(t["name"])) for t in raw if t.get("name")]
        project_json = await self._call(
            lambda c: c.project(project, expand="issueTypes").raw, f"project {project}"
        )
        return [
            TypeMeta(str(t.get("id")), str(t["name"]))
            for t in (project_json or {}).get("issueTypes") or []
            if t.get("name")
        ]

    async def _project_exists(self, project: str) -> bool:
        try:
            await self._call(lambda c: c.project(project).raw, f"project {project}")
        except TrackerConfigError as exc:
            if exc.status == 404:
                raise TrackerConfigError(
                    f"Jira has no project {project} (404: or the bot's account cannot see it)",
                    status=404,
                ) from None
            raise
        return True

    async def _pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            params = {"startAt": len(items), "maxResults": PAGE}
            page = await self._call(
                lambda c, p=params: c._get_json(path, params=p),  # type: ignore[misc]
                f"createmeta {path.split('/', 2)[-1]}",
            )
            values = (page or {}).get("values") or []
            items.extend(v for v in values if isinstance(v, dict))
            total = (page or {}).get("total")
            if not values or page.get("isLast") or (total is not None and len(items) >= total):
                break
        return items


def field_meta(raw: dict[str, Any]) -> FieldMeta:
    schema = raw.get("schema") or {}
    allowed = tuple(
        AllowedValue(
            str(v["id"]) if v.get("id") is not None else None,
            str(v.get("value") or v.get("name") or v.get("id") or ""),
        )
        for v in raw.get("allowedValues") or []
        if isinstance(v, dict) and not v.get("disabled")
    )
    field_id = str(raw.get("fieldId") or raw.get("key") or "")
    return FieldMeta(
        field_id=field_id,
        name=str(raw.get("name") or field_id),
        required=bool(raw.get("required")),
        schema_type=str(schema.get("type") or ""),
        items=schema.get("items"),
        allowed=allowed,
        has_default=bool(raw.get("hasDefaultValue")),
    )
