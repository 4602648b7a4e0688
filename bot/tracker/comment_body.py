"""A Slack thread reply as the body of a Jira comment (pure): wiki markup for REST API v2, ADF
for v3, inert either way, within Jira's 32,767-character limit.

The comment reads::

    Alice Able in Slack:            (a mention of her Jira account after it, where one matched)
    <the reply as plain text, every line as typed>
    Attached from Slack: report.pdf
    Files left in Slack: screen.mov (52.0 MB is over the 10.0 MB limit)
    (copied by ticketbot, ref slack.C0123.1712345678.000100)

Nothing the person typed becomes markup: on v2 each line goes through ``wiki.lines`` (every
markup character escaped), on v3 it is a plain text node without marks. The only markup we
add is the mention of the author's own Jira account, built from the account id Jira gave us.

The last line is the **marker**: ``ref slack.<channel>.<ts>`` names the Slack message. After
a post whose answer was lost, the bot looks for it before posting again; the Jira → Slack
mirror (``is_from_slack``) skips comments that carry it, so nothing echoes back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from bot.tracker import wiki
from bot.tracker.adf import adf_to_text
from bot.tracker.chars import show_bidi
from bot.tracker.summary import clean_line, utf16_len

MAX_COMMENT = 32_767
MARKER_PREFIX = "ref slack."
TRIM_NOTE = "… trimmed: the reply had {total:,} characters; the full text is in the Slack thread."
UNKNOWN_AUTHOR = "A Slack user"
_ACCOUNT = re.compile(r"[A-Za-z0-9:_.@-]{1,128}")


def marker(channel_id: str, ts: str) -> str:
    """The token that names one Slack message in a comment (letters, digits and dots only)."""
    return f"{MARKER_PREFIX}{channel_id}.{ts}"


def is_from_slack(body: Any) -> bool:
    """Whether a comment body (a wiki string or ADF) was copied from Slack by the bot."""
    return MARKER_PREFIX in _plain(body)


def has_marker(body: Any, token: str) -> bool:
    return token in _plain(body)


@dataclass(frozen=True, slots=True)
class SlackComment:
    """What the comment says: ``text`` is plain (``bot.triage.slack_text``); ``attached``: the
    names of the reply's files now attached to the issue; ``left``: "name (why)" of the others."""

    author: str
    text: str
    marker: str
    attached: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    edited: bool = False
    trimmed_from: int | None = None  # the text's length before it was cut


def render(
    comment: SlackComment,
    api_version: int,
    account: dict[str, str] | None = None,
    *,
    limit: int = MAX_COMMENT,
) -> str | dict[str, Any]:
    """The comment body for ``api_version``, cut to ``limit``; ``account`` is the author's
    mapped Jira account (``{"accountId": …}`` or ``{"name": …}``), mentioned after the name."""
    parts = _clean(comment)
    if api_version == 3:
        fitted = _fit(parts, lambda c: utf16_len(adf_to_text(_adf(c, account))), limit)
        return _adf(fitted, account)
    return _wiki(_fit(parts, lambda c: utf16_len(_wiki(c, account)), limit), account)


def _clean(comment: SlackComment) -> SlackComment:
    text = comment.text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    author = clean_line(comment.author) or UNKNOWN_AUTHOR
    return replace(
        comment,
        author=author,
        text=show_bidi(text),
        attached=_names(comment.attached),
        left=_names(comment.left),
    )


def _names(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in (clean_line(v) for v in values) if name)


def _fit(comment: SlackComment, measure: Any, limit: int) -> SlackComment:
    if measure(comment) <= limit:
        return comment
    empty = replace(comment, text="", trimmed_from=len(comment.text))
    budget = max(limit - measure(empty) - 2, 0)
    cut = comment.text.encode("utf-16-le")[: budget * 2].decode("utf-16-le", errors="ignore")
    return replace(empty, text=cut.rstrip())


def _lines(comment: SlackComment) -> tuple[str, list[str], list[str]]:
    """The heading, the body lines, and our lines after the body."""
    heading = f"{comment.author} in Slack" + (" (edited)" if comment.edited else "") + ":"
    after: list[str] = []
    if comment.attached:
        after.append("Attached from Slack: " + ", ".join(comment.attached))
    if comment.left:
        after.append("Files left in Slack: " + ", ".join(comment.left))
    if comment.trimmed_from is not None:
        after.append(TRIM_NOTE.format(total=comment.trimmed_from))
    after.append(f"(copied by ticketbot, {comment.marker})")
    body = comment.text.split("\n") if comment.text else []
    return heading, body, after


def _mention_id(account: dict[str, str] | None) -> tuple[str, str] | None:
    """("accountid:<id>" or "<name>", the id) when ``account`` is safe to write as markup."""
    if not account:
        return None
    if account.get("accountId") and _ACCOUNT.fullmatch(account["accountId"]):
        return f"accountid:{account['accountId']}", account["accountId"]
    if account.get("name") and _ACCOUNT.fullmatch(account["name"]):
        return account["name"], account["name"]
    return None


def _wiki(comment: SlackComment, account: dict[str, str] | None) -> str:
    heading, body, after = _lines(comment)
    first = wiki.inline(heading)
    mention = _mention_id(account)
    if mention:
        first += f" [~{mention[0]}]"
    lines = [first]
    if body:
        lines.append(wiki.lines("\n".join(body)))
    lines += [wiki.inline(line) for line in after]
    return "\n".join(lines)


def _adf(comment: SlackComment, account: dict[str, str] | None) -> dict[str, Any]:
    heading, body, after = _lines(comment)
    first: list[dict[str, Any]] = [_text(heading)]
    mention = _mention_id(account)
    if mention:
        first += [_text(" "), {"type": "mention", "attrs": {"id": mention[1]}}]
    content = [_paragraph(first)]
    content += [_paragraph([_text(line)]) for line in body if line.strip()]
    content += [_paragraph([_text(line)]) for line in after]
    return {"type": "doc", "version": 1, "content": content}


def _paragraph(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "paragraph", "content": nodes}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _plain(body: Any) -> str:
    return adf_to_text(body) if isinstance(body, dict) else str(body or "")
