"""Turn what the ``jira`` package and ``requests`` raise into our error tree.

Only status codes and Jira's own messages reach the error text: never request headers,
never the ``str()`` of a JIRAError (it dumps response headers), never credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from jira.exceptions import JIRAError

from bot import metrics
from bot.errors import (
    IssueNotFound,
    TrackerConfigError,
    TrackerError,
    TrackerUnavailable,
    TrackerValidationError,
)

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
_MAX_TEXT = 300
_AUTH_FIX = "check JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or JIRA_PAT (Server / Data Center)"


def map_error(
    exc: BaseException, *, key: str | None = None, action: str = "request"
) -> TrackerError:
    """The TrackerError for ``exc``. ``key`` makes a 404 an IssueNotFound."""
    if isinstance(exc, TrackerError):
        return exc
    error = _convert(exc, key=key, action=action)
    metrics.JIRA_ERRORS.labels(kind=type(error).__name__).inc()
    return error


def _convert(exc: BaseException, *, key: str | None, action: str) -> TrackerError:
    if isinstance(exc, JIRAError):
        return _from_jira_error(exc, key=key, action=action)
    if isinstance(exc, requests.Timeout):
        return TrackerUnavailable(f"Jira {action} timed out")
    if isinstance(exc, requests.RequestException):
        return TrackerUnavailable(f"Jira {action} failed: {type(exc).__name__}")
    if isinstance(exc, ValueError):  # a body that is not the JSON Jira sends
        return TrackerError(f"Jira {action} gave an unexpected answer: {type(exc).__name__}")
    return TrackerError(f"Jira {action} failed: {type(exc).__name__}")


def _from_jira_error(exc: JIRAError, *, key: str | None, action: str) -> TrackerError:
    status = exc.status_code
    text = _short(str(exc.text or ""))
    if status is None:
        return TrackerError(f"Jira {action} failed: {text}")
    if status in (401, 403):
        what = "rejected the credentials" if status == 401 else "denied permission"
        return TrackerConfigError(f"Jira {what} ({status}) on {action}: {_AUTH_FIX}", status=status)
    if status == 404:
        if key:
            return IssueNotFound(key)
        return TrackerConfigError(f"Jira {action} found nothing (404): {text}", status=404)
    if status == 400:
        fields = field_errors(exc.response)
        return TrackerValidationError(
            f"Jira rejected the {action} (400): {text}", field_errors=fields
        )
    if status in TRANSIENT_STATUSES:
        wait = retry_after_seconds(getattr(exc.response, "headers", None) or {})
        return TrackerUnavailable(f"Jira {action} got {status}", status=status, retry_after=wait)
    return TrackerError(f"Jira {action} failed ({status}): {text}", status=status)


def field_errors(response: requests.Response | None) -> dict[str, str]:
    """Jira's ``errors`` object (field id -> message), empty when absent."""
    try:
        body: Any = response.json() if response is not None else {}
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds (delta or HTTP date); None when absent or unreadable."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_TEXT else flat[: _MAX_TEXT - 1] + "…"
