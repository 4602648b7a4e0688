"""Map ``openai`` exceptions to ticketbot's error tree (the only place that knows them)."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import openai

from bot.errors import BackendRejected, BackendUnavailable, ClassificationError

_TRANSIENT_STATUS = {408, 409, 429}


def to_classification_error(exc: openai.OpenAIError) -> ClassificationError:
    """Transient (timeouts, connection, 408/409/429, 5xx, garbled body) or terminal (the rest)."""
    if isinstance(exc, openai.APITimeoutError):
        return BackendUnavailable("request timed out", backend="openai")
    if isinstance(exc, openai.APIConnectionError):
        return BackendUnavailable("cannot connect to the server", backend="openai")
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc)
    if isinstance(exc, openai.APIResponseValidationError):
        return BackendUnavailable("server sent a malformed response", backend="openai")
    return BackendRejected(f"{type(exc).__name__}: {exc}", backend="openai")


def _from_status(exc: openai.APIStatusError) -> ClassificationError:
    status = exc.status_code
    message = f"HTTP {status}: {_server_message(exc)}"
    if status in _TRANSIENT_STATUS or status >= 500:
        return BackendUnavailable(message, backend="openai",
                                  retry_after=retry_after_s(exc.response.headers))
    return BackendRejected(message, backend="openai")


def _server_message(exc: openai.APIStatusError) -> str:
    body: Any = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(exc.message)[:200]


def retry_after_s(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(parsed.timestamp() - time.time(), 0.0)
