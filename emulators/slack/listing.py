"""conversations.list as Slack answers a bot token.

- Which: ``types`` (comma-separated ``public_channel``, ``private_channel``, ``im``; default
  ``public_channel``). Public channels need ``channels:read`` and are all listed; private
  channels need ``groups:read`` and are listed only where the bot is a member; IMs need
  ``im:read``. ``exclude_archived`` leaves archived ones out.
- Paging: at most ``limit`` channels a page (100 when not given, never more than 1000), a
  page may hold fewer than ``limit`` even when more follow (Slack says so), and
  ``response_metadata.next_cursor`` is empty on the last page.
"""

from __future__ import annotations

import base64
import binascii

from .model import JSON
from .state import SlackError, SlackState

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CURSOR_PREFIX = "channel_offset:"
SCOPES = {"public_channel": "channels:read", "private_channel": "groups:read", "im": "im:read"}
KINDS = {"public_channel": "public", "private_channel": "private", "im": "im"}


def conversations_list(state: SlackState, args: JSON) -> JSON:
    types = [t.strip() for t in str(args.get("types") or "public_channel").split(",") if t]
    if any(t not in KINDS for t in types):
        raise SlackError("invalid_types")
    for kind in types:
        state.require_scope(SCOPES[kind])
    kinds = {KINDS[t] for t in types}
    archived = str(args.get("exclude_archived", "")).lower() not in ("true", "1")
    channels = [
        c
        for c in state.channels.values()
        if c.kind in kinds
        and (c.kind == "public" or c.bot_is_member)
        and (archived or not c.archived)
    ]
    start, limit = _offset(args.get("cursor")), _limit(args.get("limit"))
    page = channels[start : start + limit]
    more = start + limit < len(channels)
    cursor = base64.b64encode(f"{CURSOR_PREFIX}{start + limit}".encode()).decode() if more else ""
    return {"channels": [c.to_api() for c in page], "response_metadata": {"next_cursor": cursor}}


def _limit(value: object) -> int:
    try:
        limit = int(str(value)) if value not in (None, "") else DEFAULT_LIMIT
    except ValueError:
        raise SlackError("invalid_limit") from None
    return min(limit, MAX_LIMIT) if limit > 0 else DEFAULT_LIMIT


def _offset(value: object) -> int:
    if value in (None, ""):
        return 0
    try:
        text = base64.b64decode(str(value), validate=True).decode()
        if text.startswith(CURSOR_PREFIX):
            return max(0, int(text.removeprefix(CURSOR_PREFIX)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise SlackError("invalid_cursor")
