"""The domain vocabulary of a ticket: its states, where it came from, the decisions on it,
and the request as it arrives from Slack. Imports nothing from the rest of the package."""

from __future__ import annotations

import enum
from dataclasses import dataclass

BOT_ACTOR = "ticketbot"
"""The actor recorded in the audit trail for what the bot itself does."""


class TicketState(enum.StrEnum):
    RECEIVED = "received"
    CLASSIFIED = "classified"
    FILED = "filed"
    POSTED = "posted"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"


ACTIVE_STATES = frozenset({TicketState.RECEIVED, TicketState.CLASSIFIED, TicketState.FILED})
"""States the pipeline still has work in."""


class TicketSource(enum.StrEnum):
    SLASH_COMMAND = "slash_command"
    MODAL = "modal"
    SHORTCUT = "shortcut"
    REACTION = "reaction"


class Decision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file shared with a Slack message (or in the form): copied to the Jira issue later."""

    id: str
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """The Slack message a ticket is filed from (message shortcut, emoji reaction)."""

    channel_id: str
    ts: str
    permalink: str | None = None


def source_dedupe_key(channel_id: str, ts: str) -> str:
    """One ticket per message, whoever files it and however (shortcut, reaction)."""
    return f"message:{channel_id}:{ts}"


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A request as it arrived from Slack, before anything slow has happened."""

    dedupe_key: str
    source: TicketSource
    channel_id: str
    requester_id: str
    text: str
    team_id: str | None = None
    requester_name: str | None = None
    response_url: str | None = None
    summary_override: str | None = None
    label_override: str | None = None
    source_message: SourceMessage | None = None
    files: tuple[SourceFile, ...] = ()
    filed_by: str | None = None  # who filed it, when not the requester (the message's author)
    jira_fields: tuple[tuple[str, str], ...] = ()  # picked in the form: (field id, value)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A Slack message: where a button or menu was used."""

    channel_id: str
    ts: str

