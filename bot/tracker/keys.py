"""Issue keys, browse URLs, the per-ticket label and JQL quoting: pure, validated values only."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import InvalidIssueKey

ISSUE_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]+-[0-9]+")
PROJECT_KEY_RE = re.compile(r"[A-Z][A-Z0-9_]+")
TICKET_LABEL_PREFIX = "ticketbot-"
INSTALLATION_RE = re.compile(r"[0-9a-f]{6,32}")
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


def ticket_label(installation: str, ticket_id: int) -> str:
    """The label that ties a Jira issue to one ticket of one log: ``ticketbot-3f9a1c2b7d-42``.

    The installation id makes it unique across fresh logs, restored backups and other
    deployments filing into the same project.
    """
    if not INSTALLATION_RE.fullmatch(installation):
        raise ValueError(f"not an installation id: {installation!r}")
    return f"{TICKET_LABEL_PREFIX}{installation}-{_ticket_number(ticket_id)}"


def installation_label(installation: str) -> str:
    """The label on every issue one log files (``ticketbot-3f9a1c2b7d-all``): the change feed
    asks Jira for this installation's issues by it."""
    if not INSTALLATION_RE.fullmatch(installation):
        raise ValueError(f"not an installation id: {installation!r}")
    return f"{TICKET_LABEL_PREFIX}{installation}-all"


def legacy_ticket_label(ticket_id: int) -> str:
    """The label used before installation ids (``ticketbot-42``): looked for, never written."""
    return f"{TICKET_LABEL_PREFIX}{_ticket_number(ticket_id)}"


def _ticket_number(ticket_id: int) -> int:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id < 0:
        raise ValueError(f"ticket id must be a non-negative int, not {ticket_id!r}")
    return ticket_id


def jql_quote(value: str) -> str:
    """A JQL string literal. Callers pass validated values; quoting is a second line of defence."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def labels_jql(project_key: str, labels: Sequence[str]) -> str:
    """JQL for the issues of ``project_key`` carrying any of ``labels``, oldest first."""
    if not PROJECT_KEY_RE.fullmatch(project_key):
        raise ValueError(f"not a project key: {project_key!r}")
    if not labels:
        raise ValueError("no labels to look for")
    project = jql_quote(project_key)
    quoted = ", ".join(jql_quote(label) for label in labels)
    return f"project = {project} AND labels in ({quoted}) ORDER BY created ASC"
