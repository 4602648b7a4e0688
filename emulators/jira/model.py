"""Constants and records of the Jira emulator: defaults, limits, requests, faults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_EMAIL = "ticketbot@example.com"
DEFAULT_TOKEN = "emulator-api-token"  # noqa: S105 - emulator default
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
    "attachment",
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
    """A rule for the next ``times`` matching requests, taken when one arrives.

    ``status`` None answers as usual; ``delay_s`` answers that much later.
    """

    status: int | None
    times: int = 1
    retry_after: float | str | None = None
    method: str | None = None
    path: str | None = None
    body: dict[str, Any] | None = None
    delay_s: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def jira_time(when: datetime | None = None) -> str:
    when = when or datetime.now(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"
