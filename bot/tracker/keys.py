"""Issue keys, browse URLs, the per-ticket label and JQL quoting: pure, validated values only."""

from __future__ import annotations

import re

from bot.errors import InvalidIssueKey

ISSUE_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]+-[0-9]+")
PROJECT_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]+")
TICKET_LABEL_PREFIX = "ticketbot-"
_MAX_INPUT = 2000
_URL_KEY_RE = re.compile(
    r"(?:/browse/|[?&]selectedIssue=)([A-Za-z][A-Za-z0-9_]+-[0-9]+)(?=$|[/?#&|>\s])"
)


def normalize_issue_key(text: str) -> str:
    """The upper-case key in ``text`` (a key or a pasted browse URL); else InvalidIssueKey."""
    candidate = text.strip().strip("<>").strip()
    if len(candidate) > _MAX_INPUT:
        raise InvalidIssueKey(text)
    if "/" in candidate or "?" in candidate:
        match = _URL_KEY_RE.search(candidate)
        if match is None:
            raise InvalidIssueKey(text)
        candidate = match.group(1)
    key = candidate.upper()
    if not ISSUE_KEY_RE.fullmatch(key):
        raise InvalidIssueKey(text)
    return key


def browse_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{key}"


def ticket_label(ticket_id: int) -> str:
    """The label that ties a Jira issue to one ticket of the log (``ticketbot-42``)."""
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id < 0:
        raise ValueError(f"ticket id must be a non-negative int, not {ticket_id!r}")
    return f"{TICKET_LABEL_PREFIX}{ticket_id}"


def jql_quote(value: str) -> str:
    """A JQL string literal. Callers pass validated values; quoting is a second line of defence."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def ticket_jql(project_key: str, ticket_id: int) -> str:
    """JQL that finds the issue filed for ``ticket_id`` in ``project_key``."""
    if not PROJECT_KEY_RE.fullmatch(project_key):
        raise ValueError(f"not a project key: {project_key!r}")
    label = ticket_label(ticket_id)
    project = jql_quote(project_key)
    return f"project = {project} AND labels = {jql_quote(label)} ORDER BY created ASC"
