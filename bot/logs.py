"""Logging, configured once at start-up: text for humans, JSON for machines.

Every formatted line passes through ``_scrub``: configured secrets (the ``DATABASE_URL``
password among them), anything shaped like a Slack token, the secret part of a Slack
``response_url`` (``…/commands/…``, ``…/actions/…``: it lets anyone post as the app) and the
credentials in any ``scheme://user:password@host`` are masked; control characters from user
input are escaped so a ticket's text can never forge a log line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.settings import LoggingSettings

_TOKEN_SHAPES = re.compile(r"\b(xox[abposre]-|xapp-)[A-Za-z0-9-]{6,}")
# a URL ends at white space, a quote, an angle bracket or a backslash (a JSON escape)
_RESPONSE_URLS = re.compile(r"(\bhttps?://[^\s/]+/(?:commands|actions)/)[^\s\"'<>\\]+")
_URL_CREDENTIALS = re.compile(
    r"(\b[A-Za-z][A-Za-z0-9+.-]*://)([^\s/@:\"'<>\\]*)(:[^\s/\"'<>\\]*)?@"
)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}
NOISY_LOGGERS = (
    "slack_sdk",
    "urllib3",
    "asyncio",
    "aiosqlite",
    "openai",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
)


class _Scrubber:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _RESPONSE_URLS.sub(r"\1***", text)
        text = _URL_CREDENTIALS.sub(_masked_credentials, text)
        return _TOKEN_SHAPES.sub(lambda m: m.group(1) + "***", text)


def _masked_credentials(match: re.Match[str]) -> str:
    """``scheme://user:***@`` (as ``DATABASE_URL`` is shown), or ``scheme://***@`` for a lone
    user name, which is often a token."""
    scheme, user, password = match.groups()
    return f"{scheme}{user}:***@" if password is not None else f"{scheme}***@"


def escape_control(text: str) -> str:
    """Make newlines and control characters visible instead of acting on the terminal or log."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


class TextFormatter(logging.Formatter):
    def __init__(self, scrub: _Scrubber) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        message = escape_control(self._scrub(record.getMessage()))
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name}: {message}"
        extras = _extras(record)
        if extras:
            line += " " + " ".join(
                f"{k}={escape_control(self._scrub(str(v)))}" for k, v in extras.items()
            )
        if record.exc_info:
            line += "\n" + self._scrub(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    def __init__(self, scrub: _Scrubber) -> None:
        super().__init__()
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": self._scrub(record.getMessage()),
            **{k: _jsonable(v) for k, v in _extras(record).items()},
        }
        if record.exc_info:
            entry["exception"] = self._scrub(self.formatException(record.exc_info))
        return self._scrub(json.dumps(entry, ensure_ascii=False, default=str))


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


BOLT_APP_LOGGER = "slack_bolt.AsyncApp"


class _BoltNoise(logging.Filter):
    """Keep bolt's log readable.

    Drops its warning that SLACK_BOT_TOKEN is unused (we hand bolt a ready client that uses
    it), and turns the traceback logged when an ack meets a closed Socket Mode connection into
    one warning line: Slack redelivers such an envelope and the ticket log deduplicates it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("As you gave `client` as well"):
            return False
        error = record.exc_info[1] if record.exc_info else None
        if message.startswith("Failed to run a request listener") and isinstance(
            error, ConnectionError
        ):
            record.msg, record.args = ACK_LOST, None
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


ACK_LOST = "ack not sent: the Socket Mode connection closed; Slack will redeliver the envelope"


def configure_logging(
    settings: LoggingSettings, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    scrub = _Scrubber(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(scrub) if settings.format == "json" else TextFormatter(scrub)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    level = logging.getLevelName(settings.level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # bolt's INFO lines (sessions opened and closed) are worth keeping; its DEBUG dumps whole
    # envelopes, user text included.
    logging.getLogger("slack_bolt").setLevel(max(level, logging.INFO))
    bolt_app = logging.getLogger(BOLT_APP_LOGGER)
    bolt_app.setLevel(logging.NOTSET)  # inherit from "slack_bolt", whatever bolt set before
    bolt_app.handlers.clear()
    bolt_app.propagate = True
    if not any(isinstance(f, _BoltNoise) for f in bolt_app.filters):
        bolt_app.addFilter(_BoltNoise())
