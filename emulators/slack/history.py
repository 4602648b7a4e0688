"""conversations.history paging as Slack does it.

- Newest first, between ``oldest`` and ``latest`` (both exclusive unless ``inclusive``);
  ``latest`` defaults to now, ``oldest`` to the beginning.
- At most ``limit`` messages a page: 100 when not given, never more than the cap (999; Slack
  cuts both to 15 for commercially distributed non-Marketplace apps, which
  ``SlackState.history_page_max`` emulates).
- ``has_more`` says whether older messages in the range were left out; then
  ``response_metadata.next_cursor`` (an opaque string) fetches the next, older page when passed
  back as ``cursor`` with the same ``oldest``.
- Thread replies are not in a channel's history; message metadata only with
  ``include_all_metadata``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from .model import JSON, StoredMessage
from .state import SlackError

DEFAULT_LIMIT = 100
CURSOR_PREFIX = "next_ts:"


def micros(ts: str) -> int:
    """A Slack timestamp (``"1700000000.000123"``) as integer microseconds."""
    return int(Decimal(ts) * 1_000_000)


def flag(value: object) -> bool:
    return str(value).lower() in ("1", "true")


def history_page(messages: Sequence[StoredMessage], args: JSON, page_max: int) -> JSON:
    """One page of a channel's top-level ``messages`` (stored oldest first)."""
    inclusive = flag(args.get("inclusive"))
    oldest = _bound(args.get("oldest"), "invalid_ts_oldest")
    latest = _bound(args.get("latest"), "invalid_ts_latest")
    cursor = _cursor(args.get("cursor"))

    def in_range(ts: int) -> bool:
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        return cursor is None or ts <= cursor

    found = [
        m
        for m in reversed(messages)
        if m.thread_ts in (None, m.ts) and not m.deleted and in_range(micros(m.ts))
    ]
    limit = _limit(args.get("limit"), page_max)
    page, rest = found[:limit], found[limit:]
    with_metadata = flag(args.get("include_all_metadata"))
    body: JSON = {
        "messages": [_shown(m, with_metadata) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if rest:
        body["response_metadata"] = {"next_cursor": _encode(micros(rest[0].ts))}
    return body


def _shown(message: StoredMessage, with_metadata: bool) -> JSON:
    data = message.to_api()
    if not with_metadata:
        data.pop("metadata", None)
    return data


def _bound(value: object, error: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return micros(str(value))
    except (InvalidOperation, ValueError):
        raise SlackError(error) from None


def _limit(value: object, page_max: int) -> int:
    if value is None or value == "":
        return min(DEFAULT_LIMIT, page_max)
    try:
        limit = int(str(value))
    except ValueError:
        raise SlackError("invalid_limit") from None
    return min(limit, page_max) if limit > 0 else min(DEFAULT_LIMIT, page_max)


def _encode(ts: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{ts}".encode()).decode()


def _cursor(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        text = base64.b64decode(str(value), validate=True).decode()
        if text.startswith(CURSOR_PREFIX):
            return int(text.removeprefix(CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise SlackError("invalid_cursor")
