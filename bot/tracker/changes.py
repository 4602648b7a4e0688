"""What changed on an issue, read from a search answer with the changelog and comments (pure).

A raw issue (``fields`` status, assignee, resolution, labels, project, updated, comment;
``changelog`` histories) becomes an ``IssueChange``. A comment is ``internal`` when Jira
Service Management marks it so (``jsdPublic: false``, or the ``sd.public.comment`` property
with ``internal: true``) or when its ``visibility`` is restricted to a role or group: those
never leave Jira.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.tracker.details import account_id, parse_time
from bot.tracker.jira_text import comment_text

WATCHED_FIELDS = ("status", "assignee", "resolution")
CHANGE_FIELDS = ("status", "assignee", "resolution", "labels", "project", "updated", "comment")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: A comment's ``updated`` this much after ``created`` is an edit (Jira stamps both at creation,
#: not always to the same millisecond).
EDIT_AFTER = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class JiraPerson:
    id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    author: JiraPerson | None
    created: datetime
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class JiraComment:
    id: str
    author: JiraPerson | None
    created: datetime
    text: str
    attachments: int
    internal: bool
    raw_body: Any = None
    #: When it was last edited (Jira's ``updated``, where later than ``created``), and by whom.
    edited: datetime | None = None
    editor: JiraPerson | None = None


@dataclass(frozen=True, slots=True)
class IssueChange:
    key: str
    project: str | None
    labels: tuple[str, ...]
    status: str | None
    assignee: str | None
    resolution: str | None
    updated: datetime
    histories: tuple[HistoryEntry, ...] = ()
    comments: tuple[JiraComment, ...] = ()


def issue_change(raw: dict[str, Any]) -> IssueChange | None:
    """The change record of a raw issue; None without a key or an ``updated`` time."""
    fields: dict[str, Any] = raw["fields"] if isinstance(raw.get("fields"), dict) else {}
    updated = _time(fields.get("updated"))
    if not raw.get("key") or updated is None:
        return None
    changelog: dict[str, Any] = _dict(raw.get("changelog"))
    comments: dict[str, Any] = _dict(fields.get("comment"))
    return IssueChange(
        key=str(raw["key"]),
        project=_str((fields.get("project") or {}).get("key")),
        labels=tuple(str(label) for label in fields.get("labels") or ()),
        status=_str((fields.get("status") or {}).get("name")),
        assignee=_person_name(fields.get("assignee")),
        resolution=_str((fields.get("resolution") or {}).get("name")),
        updated=updated,
        histories=tuple(h for h in map(_history, changelog.get("histories") or []) if h),
        comments=tuple(c for c in map(_comment, comments.get("comments") or []) if c),
    )


def _history(raw: Any) -> HistoryEntry | None:
    created = _time(raw.get("created")) if isinstance(raw, dict) else None
    if created is None or not raw.get("id"):
        return None
    changes = tuple(
        FieldChange(str(i.get("field")), _str(i.get("fromString")), _str(i.get("toString")))
        for i in raw.get("items") or []
        if isinstance(i, dict) and i.get("field")
    )
    return HistoryEntry(str(raw["id"]), _person(raw.get("author")), created, changes)


def _comment(raw: Any) -> JiraComment | None:
    created = _time(raw.get("created")) if isinstance(raw, dict) else None
    if created is None or not raw.get("id"):
        return None
    body = comment_text(raw.get("body"))
    updated = _time(raw.get("updated"))
    edited = updated if updated is not None and updated - created > EDIT_AFTER else None
    return JiraComment(
        id=str(raw["id"]),
        author=_person(raw.get("author")),
        created=created,
        text=body.text,
        attachments=body.attachments,
        internal=is_internal(raw),
        raw_body=raw.get("body"),
        edited=edited,
        editor=_person(raw.get("updateAuthor")) if edited else None,
    )


def is_internal(comment: dict[str, Any]) -> bool:
    if comment.get("jsdPublic") is False or comment.get("visibility"):
        return True
    return any(
        isinstance(p, dict)
        and p.get("key") == "sd.public.comment"
        and isinstance(p.get("value"), dict)
        and p["value"].get("internal") in (True, "true")
        for p in comment.get("properties") or []
    )


def _person(raw: Any) -> JiraPerson | None:
    name = _person_name(raw)
    return None if name is None else JiraPerson(account_id(raw), name)


def _person_name(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    return _str(raw.get("displayName") or raw.get("name") or raw.get("accountId"))


def _time(value: Any) -> datetime | None:
    moment = parse_time(value)
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
