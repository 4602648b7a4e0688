"""Read the raw JSON of a Jira issue into our values (pure)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.tracker.keys import browse_url
from bot.tracker.models import IssueDetails, IssueRef, NewIssue

DETAIL_FIELDS = "summary,status,issuetype,assignee,reporter,priority,created,updated,labels"
REF_FIELDS = "issuetype,reporter,labels,created"
_JIRA_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"
ADOPTION_CLOCK_SKEW = timedelta(minutes=10)

log = logging.getLogger(__name__)


def details_from_raw(raw: dict[str, Any], base_url: str) -> IssueDetails:
    fields = raw.get("fields") or {}
    status = fields.get("status") or {}
    key = str(raw["key"])
    return IssueDetails(
        key=key,
        url=browse_url(base_url, key),
        summary=str(fields.get("summary") or ""),
        status=str(status.get("name") or "unknown"),
        status_category=str((status.get("statusCategory") or {}).get("key") or "undefined"),
        issue_type=_name(fields.get("issuetype")),
        assignee=_person(fields.get("assignee")),
        reporter=_person(fields.get("reporter")),
        priority=_name(fields.get("priority")),
        created=parse_time(fields.get("created")),
        updated=parse_time(fields.get("updated")),
        labels=tuple(str(label) for label in fields.get("labels") or ()),
    )


def ref_from_raw(raw: dict[str, Any], base_url: str, *, service_account: str | None) -> IssueRef:
    fields = raw.get("fields") or {}
    reporter = account_id(fields.get("reporter"))
    key = str(raw["key"])
    return IssueRef(
        key=key,
        url=browse_url(base_url, key),
        issue_type=_name(fields.get("issuetype")) or "",
        reporter_mapped=reporter is not None and reporter != service_account,
    )


def account_id(user: Any) -> str | None:
    """Cloud ``accountId`` or Server ``name`` of a user object."""
    if not isinstance(user, dict):
        return None
    value = user.get("accountId") or user.get("name")
    return str(value) if value else None


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, _JIRA_TIME)
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


def _name(obj: Any) -> str | None:
    return str(obj["name"]) if isinstance(obj, dict) and obj.get("name") else None


def _person(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    value = user.get("displayName") or user.get("name") or user.get("accountId")
    return str(value) if value else None


def filed_for(raw: dict[str, Any], new: NewIssue) -> bool:
    """Whether an issue found by ``new``'s label is really its issue.

    The label is unique per installation; an issue created well before the ticket was received
    is still refused (a label typed by hand, an installation id reused by a copied database).
    """
    created = parse_time((raw.get("fields") or {}).get("created"))
    if new.requested_at is None or created is None:
        return True
    if created >= new.requested_at - ADOPTION_CLOCK_SKEW:
        return True
    log.warning(
        "ticket %s: %s carries its label but is older than the ticket; not adopted",
        new.ticket_id,
        raw.get("key"),
    )
    return False

