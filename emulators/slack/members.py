"""conversations.members as Slack answers it.

- Who: the conversation's members, the bot user included when it is one. A public channel is
  readable with ``channels:read`` whether or not the bot is in it; a private channel (
  ``groups:read``) or an IM (``im:read``) only when the bot is a member, else
  ``channel_not_found``.
- Paging: at most ``limit`` ids a page (100 when not given, never more than 1000);
  ``response_metadata.next_cursor`` is an opaque string for the next page, and an empty string
  on the last one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from .model import BOT_USER_ID, JSON, Channel, User
from .state import SlackError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CURSOR_PREFIX = "member_offset:"
SCOPES = {"public": "channels:read", "private": "groups:read", "im": "im:read"}


def member_ids(channel: Channel, users: Iterable[User]) -> list[str]:
    """Everyone in ``channel``, in a stable order (Slack's is by join time)."""
    if channel.members is not None:
        people = set(channel.members)
    elif channel.kind == "im":
        people = {channel.user} if channel.user else set()
    else:
        people = {u.id for u in users if not u.deleted and not u.is_bot}
    people.discard(BOT_USER_ID)
    ids = sorted(people)
    return [*ids, BOT_USER_ID] if channel.bot_is_member else ids


def members_page(ids: list[str], args: JSON) -> JSON:
    start = _offset(args.get("cursor"))
    limit = _limit(args.get("limit"))
    page, rest = ids[start : start + limit], ids[start + limit :]
    next_cursor = _encode(start + limit) if rest else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def _limit(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(str(value))
    except ValueError:
        raise SlackError("invalid_limit") from None
    return min(limit, MAX_LIMIT) if limit > 0 else DEFAULT_LIMIT


def _encode(offset: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def _offset(value: object) -> int:
    if value is None or value == "":
        return 0
    try:
        text = base64.b64decode(str(value), validate=True).decode()
        if text.startswith(CURSOR_PREFIX):
            return max(0, int(text.removeprefix(CURSOR_PREFIX)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise SlackError("invalid_cursor")
