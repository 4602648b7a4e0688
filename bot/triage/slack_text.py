"""Slack ``mrkdwn`` as plain text (pure), for copying a thread reply into a Jira comment.

Slack sends message text with its control sequences in angle brackets and ``&``, ``<``, ``>``
escaped. Here every sequence becomes the words a reader saw, and nothing else:

- ``<@U123>`` → ``@Alice Able`` (the names given; the user id when unknown);
- ``<#C123|general>`` → ``#general``; ``<!here>``, ``<!channel>``, ``<!everyone>`` → ``@here``…;
  ``<!subteam^S1|@team>`` → ``@team``; ``<!date^…|fallback>`` → the fallback;
- ``<https://x|label>`` → ``label (https://x)``; ``<https://x>`` → ``https://x``;
- ``&lt;`` ``&gt;`` ``&amp;`` → ``<`` ``>`` ``&``.

Emphasis characters (``*``, ``_``, ``~``, backticks) stay as typed: they are part of what the
person wrote (snake_case names, paths), and the Jira side shows them literally anyway, since
the comment is written as inert text (``bot.tracker.comment_body``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"<([^<>\n]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]+)")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def mentioned_users(text: str) -> list[str]:
    """The user ids ``text`` mentions (``<@U…>``), in order, each once."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        user = _USER.fullmatch(match.group(1).split("|", 1)[0])
        if user and user.group(1) not in found:
            found.append(user.group(1))
    return found


def to_plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """``text`` (Slack mrkdwn) as the plain text a reader saw; ``names``: user id → name."""
    names = names or {}
    return _unescape(_TOKEN.sub(lambda m: _token(m.group(1), names), text))


def _token(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user = target[1:]
        return "@" + (names.get(user) or label or user)
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return _command(target[1:], label)
    if not target:
        return _escaped_brackets(inner)
    link = _unescape(target)
    shown = _unescape(label) if label else ""
    if link.startswith("mailto:"):
        return shown or link.removeprefix("mailto:")
    return f"{shown} ({link})" if shown and shown != link else link


def _command(name: str, label: str) -> str:
    if name in _SPECIAL:
        return _SPECIAL[name]
    if name.startswith("subteam^"):
        return label or "@group"
    if name.startswith("date^"):
        return label or name.split("^")[1]
    return label or name


def _escaped_brackets(inner: str) -> str:
    return f"<{inner}>"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
