"""Dates in JQL as Jira reads them: minute precision at best, in the searching user's zone.

Jira accepts ``"yyyy/MM/dd HH:mm"``, ``"yyyy-MM-dd HH:mm"``, ``"yyyy/MM/dd"``,
``"yyyy-MM-dd"`` and relative periods (``-5m``, ``-2h``, ``-1d``, ``-1w``); anything finer (seconds)
is refused with a 400. The emulated user's zone is UTC (``timeZone: Etc/UTC``), so a value
names a UTC minute: ``updated >= "2026/12/05 15:30"`` includes 15:30:00.000 onwards.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from .model import JiraHTTPError

_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_RELATIVE = re.compile(r"([-+]?)(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_jql_date(value: str, field: str, now: datetime | None = None) -> datetime:
    text = value.strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        sign = -1 if relative.group(1) == "-" else 1
        delta = timedelta(**{_UNITS[relative.group(3)]: int(relative.group(2))})
        return (now or datetime.now(UTC)) + sign * delta
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JiraHTTPError(
        400,
        [
            f"Date value '{value}' for field '{field}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        ],
    )


def parse_jira_time(value: str) -> datetime:
    """A stored ``2026-12-05T15:30:12.345+0000`` timestamp."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def compare(actual: datetime, op: str, wanted: datetime) -> bool:
    if op == ">=":
        return actual >= wanted
    if op == ">":
        return actual > wanted
    if op == "<=":
        return actual <= wanted
    if op == "<":
        return actual < wanted
    if op == "=":
        return actual == wanted
    return actual != wanted
