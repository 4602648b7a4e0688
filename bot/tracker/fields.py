"""Pure builders for the fields of a new issue: description (wiki markup or ADF), labels, payload.

The description is the requester's text, then a footer we write (who asked, where, the ticket
number). Nothing a user typed can become markup: on API v2 the text is a ``{noformat}`` block
and the values in the footer are escaped (``bot.tracker.wiki``); on API v3 every user value is
a plain ADF text node without marks; the only link is the Slack permalink, which we add.
Bidi controls in the text are shown as ``[U+202E]``; the display name loses them
(``bot.tracker.chars``). The requester's e-mail is named only with ``show_email``
(``jira.email_in_description``, off by default) and when no Jira account matched it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.tracker import wiki
from bot.tracker.adf import adf_to_text
from bot.tracker.chars import show_bidi
from bot.tracker.models import NewIssue
from bot.tracker.summary import clean_line, utf16_len

MAX_DESCRIPTION = 32_767
MAX_LABEL = 255
TRIM_NOTE = "… trimmed: the request had {total:,} characters; the full text is in Slack."
RULE = "----"
#: The Slack permalink, the one link we add: https, a host, a path of plain URL characters.
_PERMALINK = re.compile(r"https://[A-Za-z0-9.-]+(/[A-Za-z0-9/._=&%?-]*)?")


@dataclass(frozen=True, slots=True)
class Description:
    """What a description says, before it is written as wiki markup or ADF."""

    body: str  # the requester's text: line breaks normalised, bidi controls shown
    requester: str  # the display name on one line, without invisible characters
    ticket_id: int
    email: str | None = None
    permalink: str | None = None
    trimmed_from: int | None = None  # the body's length before it was cut
    notes: tuple[str, ...] = ()  # ours, e.g. why the issue has another type than asked

    @property
    def note(self) -> str | None:
        return None if self.trimmed_from is None else TRIM_NOTE.format(total=self.trimmed_from)

    def footer(self, value: Callable[[str], str]) -> list[tuple[str, str | None]]:
        """Our footer lines as (text, link after it); ``value`` writes each user-supplied
        value (the name, the e-mail) into the text."""
        who = value(self.requester)
        if self.email:
            who = f"{who} ({value(self.email)})"
        lines: list[tuple[str, str | None]] = [(note, None) for note in self.notes]
        lines.append((f"Requested in Slack by {who}.", None))
        if self.permalink:
            lines.append(("Slack message: ", self.permalink))
        lines.append((f"Filed by ticketbot, ticket #{self.ticket_id}.", None))
        return lines


def describe(new: NewIssue, *, reporter_mapped: bool, show_email: bool = False) -> Description:
    """The parts of ``new``'s description, uncut."""
    email = new.requester_email if show_email and not reporter_mapped else None
    permalink = new.permalink if new.permalink and _PERMALINK.fullmatch(new.permalink) else None
    return Description(
        body=show_bidi(new.text.replace("\r\n", "\n").replace("\r", "\n").strip()),
        requester=clean_line(new.requester_name) or "unknown user",
        ticket_id=new.ticket_id,
        email=clean_line(email or "") or None,
        permalink=permalink,
    )


def description(
    new: NewIssue,
    *,
    api_version: int,
    reporter_mapped: bool,
    show_email: bool = False,
    limit: int = MAX_DESCRIPTION,
    notes: tuple[str, ...] = (),
) -> str | dict[str, Any]:
    """The ``description`` field: wiki markup for API v2, ADF for v3, within ``limit``;
    ``notes`` (ours) open the footer."""
    parts = describe(new, reporter_mapped=reporter_mapped, show_email=show_email)
    if notes:
        parts = replace(parts, notes=notes if api_version == 3 else tuple(map(wiki.inline, notes)))
    if api_version == 3:
        return adf_description(fit(parts, _adf_length, limit))
    return wiki_description(fit(parts, lambda d: utf16_len(wiki_description(d)), limit))


def _adf_length(parts: Description) -> int:
    return utf16_len(adf_to_text(adf_description(parts)))


def fit(parts: Description, measure: Callable[[Description], int], limit: int) -> Description:
    """``parts`` with the body cut (and the trim note added) so ``measure`` is within ``limit``."""
    if measure(parts) <= limit:
        return parts
    empty = replace(parts, body="", trimmed_from=len(parts.body))
    budget = limit - measure(empty) - 1
    return replace(empty, body=_cut_units(parts.body, budget).rstrip())


def wiki_description(parts: Description) -> str:
    """Wiki markup (API v2): the body in a ``{noformat}`` block, then our footer."""
    blocks: list[str] = []
    if parts.body or parts.trimmed_from is not None:
        blocks.append(wiki.noformat_block(parts.body))
    if parts.note:
        blocks.append(parts.note)
    footer = [text + (link or "") for text, link in parts.footer(wiki.inline)]
    return "\n".join([*blocks, RULE, *footer])


def adf_description(parts: Description) -> dict[str, Any]:
    """ADF (API v3): the body as plain text paragraphs, a rule, then our footer."""
    content = _adf_paragraphs(parts.body)
    if parts.note:
        content.append(_paragraph(_text(parts.note)))
    content.append({"type": "rule"})
    for text, link in parts.footer(str):
        nodes = [_text(text)]
        if link:
            nodes.append(_text(link, marks=[{"type": "link", "attrs": {"href": link}}]))
        content.append(_paragraph(*nodes))
    return {"type": "doc", "version": 1, "content": content}


def _cut_units(text: str, units: int) -> str:
    encoded = text.encode("utf-16-le")[: max(units, 0) * 2]
    return encoded.decode("utf-16-le", errors="ignore")


def adf_document(text: str) -> dict[str, Any]:
    """Plain text as ADF: one paragraph per non-blank line, text nodes only (no marks)."""
    return {"type": "doc", "version": 1, "content": _adf_paragraphs(text)}


def _adf_paragraphs(text: str) -> list[dict[str, Any]]:
    return [_paragraph(_text(line)) for line in text.splitlines() if line.strip()]


def _paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def _text(text: str, *, marks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = marks
    return node


def rich_text(text: str, api_version: int) -> str | dict[str, Any]:
    """Plain text (a comment) as a rich-text value that shows it as typed: ADF for API v3,
    escaped wiki markup for v2."""
    return adf_document(text) if api_version == 3 else wiki.lines(text)


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
