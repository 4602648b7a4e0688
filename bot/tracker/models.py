"""Plain values that go into and come out of the tracker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.labels import Label


@dataclass(frozen=True, slots=True)
class NewIssue:
    """What the triage layer knows about a ticket when it files it.

    ``installation`` and ``ticket_id`` make the issue's label; ``legacy_label`` says the
    ticket predates installation ids, so its issue may carry the old label instead.
    ``requested_at`` is when the ticket was received: an issue found by the label but created
    well before it is not this ticket's.
    """

    ticket_id: int
    text: str
    label: Label
    requester_name: str
    installation: str
    requester_email: str | None = None
    permalink: str | None = None
    summary: str | None = None  # an override (e.g. edited in a modal); still made Jira-safe
    legacy_label: bool = False
    requested_at: datetime | None = None
    # Per-channel routing (``bot.triage.routing``); None: the global jira.* settings.
    project_key: str | None = None
    issue_type: str | None = None  # the type the label maps to in this route
    default_issue_type: str | None = None
    labels: tuple[str, ...] | None = None
    components: tuple[str, ...] = ()
    field_values: Mapping[str, str] = field(default_factory=dict)  # by field id or name


@dataclass(frozen=True, slots=True)
class IssueRef:
    """A filed issue: its key, browse URL, issue type and whether the reporter is the requester."""

    key: str
    url: str
    issue_type: str
    reporter_mapped: bool = False
    note: str | None = None  # filed otherwise than asked (another type), and why


@dataclass(frozen=True, slots=True)
class IssueDetails:
    """What a status lookup shows."""

    key: str
    url: str
    summary: str
    status: str
    status_category: str  # "new", "indeterminate" or "done"
    issue_type: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    priority: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    labels: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class FoundIssue:
    """An issue as a history search returns it: the text a ticket would have, and its type."""

    key: str
    issue_type: str | None
    summary: str
    description: str  # plain text ("" when empty); ADF from API v3 already converted
    labels: tuple[str, ...] = ()
