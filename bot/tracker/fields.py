"""Pure builders for the fields of a new issue: description (plain or ADF), labels, payload."""

from __future__ import annotations

import re
from typing import Any

from bot.tracker.models import NewIssue
from bot.tracker.summary import utf16_len

MAX_DESCRIPTION = 32_767
MAX_LABEL = 255
TRIM_NOTE = "[… trimmed: the request had {total:,} characters; the full text is in Slack]"
_URL_RE = re.compile(r"https?://[^\s<>|]+")


def description_text(new: NewIssue, *, reporter_mapped: bool, limit: int = MAX_DESCRIPTION) -> str:
    """Full request text, then who asked and where, within ``limit`` UTF-16 units."""
    footer = _footer(new, reporter_mapped=reporter_mapped)
    body = new.text.replace("\r\n", "\n").replace("\r", "\n").strip()
    budget = limit - utf16_len(footer) - 2
    if utf16_len(body) > budget:
        note = TRIM_NOTE.format(total=len(body))
        body = _cut_units(body, budget - utf16_len(note) - 2).rstrip() + "\n\n" + note
    return f"{body}\n\n{footer}" if body else footer


def _footer(new: NewIssue, *, reporter_mapped: bool) -> str:
    who = " ".join(new.requester_name.split()) or "unknown user"
    if new.requester_email and not reporter_mapped:
        who = f"{who} ({new.requester_email})"
    lines = ["----", f"Requested in Slack by {who}."]
    if new.permalink:
        lines.append(f"Slack message: {new.permalink}")
    lines.append(f"Filed by ticketbot, ticket #{new.ticket_id}.")
    return "\n".join(lines)


def _cut_units(text: str, units: int) -> str:
    encoded = text.encode("utf-16-le")[: max(units, 0) * 2]
    return encoded.decode("utf-16-le", errors="ignore")


def adf_document(text: str) -> dict[str, Any]:
    """Atlassian Document Format: one paragraph per non-blank line, URLs as links, no ``\\n``."""
    paragraphs = [_adf_paragraph(line) for line in text.splitlines() if line.strip()]
    return {"type": "doc", "version": 1, "content": paragraphs}


def _adf_paragraph(line: str) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    position = 0
    for match in _URL_RE.finditer(line):
        _add_text(nodes, line[position : match.start()])
        url = match.group(0)
        link = {"type": "link", "attrs": {"href": url}}
        nodes.append({"type": "text", "text": url, "marks": [link]})
        position = match.end()
    _add_text(nodes, line[position:])
    return {"type": "paragraph", "content": nodes}


def _add_text(nodes: list[dict[str, Any]], text: str) -> None:
    if text:
        nodes.append({"type": "text", "text": text})


def rich_text(text: str, api_version: int) -> str | dict[str, Any]:
    """A rich-text field value: wiki-markup string for API v2, ADF for v3."""
    return adf_document(text) if api_version == 3 else text


def issue_labels(configured: list[str], ticket: str) -> list[str]:
    """Configured labels made Jira-safe (no spaces, at most 255), plus the ticket's own label."""
    labels: list[str] = []
    for raw in [*configured, ticket]:
        label = "-".join(raw.split())[:MAX_LABEL]
        if label and label not in labels:
            labels.append(label)
    return labels


def issue_fields(
    *,
    project_key: str,
    issue_type: str,
    summary: str,
    description: str | dict[str, Any],
    labels: list[str],
    reporter: dict[str, str] | None,
) -> dict[str, Any]:
    """The ``fields`` of a create request; dict values avoid the library's extra look-ups."""
    fields: dict[str, Any] = {
        "project": {"key": project_key},
        "issuetype": {"name": issue_type},
        "summary": summary,
        "description": description,
        "labels": labels,
    }
    if reporter:
        fields["reporter"] = reporter
    return fields
