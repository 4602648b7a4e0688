"""The one error tree of ticketbot.

Third-party errors (slack_sdk, jira, openai, aiohttp, SQLAlchemy) are converted into
these at the boundary where they happen, so the rest of the code only handles ours::

    TicketbotError                  base of everything we raise on purpose
    ├── ConfigError                 a setting is missing or malformed (names it and the fix)
    ├── QuotaExceeded               over a person's or everyone's quota; nothing was recorded
    ├── StorageError                the ticket log cannot be read or written
    │   ├── StaleState              another worker moved the ticket first
    │   │   └── LeaseLost           this worker's lease on the ticket expired or was taken
    │   └── DatabaseBehind          the schema is older than this code expects
    ├── ClassificationError         a classifier backend failed
    │   ├── BackendUnavailable      transient: timeout, refused, 429, 5xx   (TransientError)
    │   ├── BackendRejected         terminal: bad request, bad key, unknown model, unusable answer
    │   └── EncoderUnavailable      the sentence encoder cannot be used (the memory uses TF-IDF)
    ├── ReconcilePending            a create may have worked; search must catch up (TransientError)
    ├── TrackerError                Jira said no or could not be reached
    │   ├── TrackerConfigError      401 / 403 / unknown project: an operator must fix a setting
    │   ├── IssueNotFound           404 for an issue key
    │   ├── InvalidIssueKey         rejected locally before any call
    │   ├── TrackerValidationError  400: Jira's field messages in ``field_errors``
    │   ├── TransitionNotAvailable  the workflow has no such transition (lists the available ones)
    │   └── TrackerUnavailable      transient: 429, 503, connection errors   (TransientError)
    └── ChatError                   Slack Web API refused a call
        ├── ChatUnavailable         transient: ratelimited, connection errors   (TransientError)
        └── FileUnavailable         a shared file cannot be copied: deleted, no access, too big

``TransientError`` is a mixin: ``isinstance(err, TransientError)`` is the one test retry
policies use, and ``err.retry_after`` carries the server's ``Retry-After`` in seconds when known.

Messages never contain secrets: an error built from a third-party response keeps the
status code and the server's message, never request headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class TicketbotError(Exception):
    """Base class of every error ticketbot raises on purpose."""


class TransientError(TicketbotError):
    """A failure that may go away if the same call is retried later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(TicketbotError):
    """A setting is missing or malformed; ``setting`` is its public name (``SLACK_APP_TOKEN``)."""

    def __init__(self, setting: str, problem: str, fix: str = "") -> None:
        self.setting = setting
        self.problem = problem
        self.fix = fix
        text = f"{setting} {problem}"
        super().__init__(f"{text}: {fix}" if fix else text)


class QuotaExceeded(TicketbotError):
    """A request refused before anything was recorded (``bot.triage.quotas``).

    ``kind``: ``tickets`` or ``status`` (the person's token bucket for `/ticket` or
    `/ticket_status`), ``unfinished`` (the person's unfinished tickets), ``busy`` (everyone's).
    ``limit`` per ``window_s`` (None for the caps, which have no window); ``wait_s``: when to
    try again.
    """

    def __init__(
        self, kind: str, *, limit: int, wait_s: float, window_s: float | None = None
    ) -> None:
        super().__init__(f"over the {kind} quota ({limit}); try again in {wait_s:.0f}s")
        self.kind = kind
        self.limit = limit
        self.wait_s = wait_s
        self.window_s = window_s


class StorageError(TicketbotError):
    """The ticket log cannot be read or written."""


class EventNotRecorded(TicketbotError):
    """A Slack event could not be recorded before its acknowledgement (the database or Slack
    failed): it is left unacknowledged, and Slack delivers it again."""


class StaleState(StorageError):
    """The ticket was not in any of the expected states (someone else moved it first)."""


class LeaseLost(StaleState):
    """The write needs this worker's lease on the ticket, and the lease expired or was taken.

    Whoever holds the ticket now finishes it; the worker that lost the lease records nothing.
    """


class DatabaseBehind(StorageError):
    """The database schema is not at the revision this code expects."""


class ClassificationError(TicketbotError):
    """A classifier backend failed."""

    def __init__(self, message: str, *, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class BackendUnavailable(ClassificationError, TransientError):
    """Transient backend failure: timeout, connection error, 429 or 5xx."""

    def __init__(
        self, message: str, *, backend: str = "", retry_after: float | None = None
    ) -> None:
        ClassificationError.__init__(self, message, backend=backend)
        self.retry_after = retry_after


class BackendRejected(ClassificationError):
    """Terminal backend failure that retrying will not fix."""


class EncoderUnavailable(ClassificationError):
    """The sentence encoder is turned off, missing or broken (``bot.learn.encoder``)."""


class ReconcilePending(TransientError):
    """An earlier attempt may have created the issue, and Jira's search may not show it yet."""


class TrackerError(TicketbotError):
    """Jira refused a request or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TrackerConfigError(TrackerError):
    """Credentials, permissions or project settings are wrong."""


class IssueNotFound(TrackerError):
    """No issue with that key, or no permission to see it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"issue {key} does not exist or is not visible", status=404)
        self.key = key


class InvalidIssueKey(TrackerError):
    """Text that is not a Jira issue key; rejected before any call."""

    def __init__(self, text: str) -> None:
        super().__init__(f"not an issue key: {text[:40]!r}")
        self.text = text


class TrackerValidationError(TrackerError):
    """Jira rejected the fields (HTTP 400)."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: Mapping[str, str] | None = None,
        status: int | None = 400,
    ) -> None:
        super().__init__(message, status=status)
        self.field_errors = dict(field_errors or {})


class TransitionNotAvailable(TrackerError):
    """The issue's workflow offers no transition with the requested name."""

    def __init__(self, key: str, wanted: str, available: Sequence[str]) -> None:
        names = ", ".join(available) or "none"
        super().__init__(f"{key} has no transition {wanted!r}; available: {names}")
        self.key = key
        self.wanted = wanted
        self.available = list(available)


class TrackerUnavailable(TrackerError, TransientError):
    """Jira is down, overloaded or rate-limiting us."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        TrackerError.__init__(self, message, status=status)
        self.retry_after = retry_after


class ChatError(TicketbotError):
    """Slack's Web API refused a call; ``code`` is Slack's error (e.g. ``not_in_channel``)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ChatUnavailable(ChatError, TransientError):
    """Slack rate-limited us or could not be reached."""

    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None) -> None:
        ChatError.__init__(self, message, code=code)
        self.retry_after = retry_after


class FileUnavailable(ChatError):
    """A file shared in Slack cannot be copied to Jira; ``reason`` says why, for people."""

    def __init__(self, name: str, reason: str, *, code: str = "") -> None:
        super().__init__(f"{name}: {reason}", code=code)
        self.name = name
        self.reason = reason
