"""Tables of the ticket log. The schema itself is owned by Alembic (``migrations/``)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.tickets import Decision, TicketSource, TicketState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings (no native enum type) so adding a member needs no ALTER TYPE.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[TicketSource] = mapped_column(_enum(TicketSource, "ticket_source"))
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    slack_channel_id: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[str] = mapped_column(String(32), index=True)
    requester_name: Mapped[str | None] = mapped_column(String(255))
    response_url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    summary_override: Mapped[str | None] = mapped_column(String(255))
    label_override: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[TicketState] = mapped_column(
        _enum(TicketState, "ticket_state"), default=TicketState.RECEIVED, index=True
    )
    label: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None]
    classified_by: Mapped[str | None] = mapped_column(String(32))
    needs_triage: Mapped[bool] = mapped_column(default=False)
    jira_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    jira_url: Mapped[str | None] = mapped_column(Text)
    jira_create_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    slack_post_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    decision: Mapped[Decision | None] = mapped_column(_enum(Decision, "ticket_decision"))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duplicate_of: Mapped[str | None] = mapped_column(String(64))
    model_probabilities: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # Migration 0006: the Jira project (None: jira.project_key) and the form's field values.
    jira_project: Mapped[str | None] = mapped_column(String(32))
    jira_fields: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Migration 0009: the status and assignee as last polled (the living message).
    jira_status: Mapped[str | None] = mapped_column(String(64))
    jira_assignee: Mapped[str | None] = mapped_column(String(255))

    # Migration 0010: the Slack message it was filed from (shortcut, reaction), who filed it.
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_permalink: Mapped[str | None] = mapped_column(Text)
    source_files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    filed_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_tickets_requester_created", "requester_id", "created_at"),
        UniqueConstraint("source_channel_id", "source_ts", name="uq_tickets_source_message"),
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.state} {self.jira_key or '-'}>"


class TicketEvent(Base):
    """Append-only audit trail: who did what to which ticket, and when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<TicketEvent {self.id} ticket={self.ticket_id} {self.event} by {self.actor}>"


class TrainingExample(Base):
    """A confirmed label: an approval, a correction, or an imported history row (migration 0002).

    ``source_key`` makes imports and confirmations idempotent (``csv:<hash>``, ``jira:<key>``,
    ``ticket:<id>``). ``model_probabilities`` keeps what the model said before the label was
    known, when it is known: the held-out evidence used to weigh model against memory.
    """

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(255), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    model_probabilities: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # the sentence encoder's vector (float32 bytes) and that encoder's id (migration 0008)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    encoder: Mapped[str | None] = mapped_column(String(80))

    def __repr__(self) -> str:
        return f"<TrainingExample {self.id} {self.label} from {self.source_key}>"


class Installation(Base):
    """One row: the random id of this ticket log (migration 0004).

    Jira labels and Slack message metadata carry it, so a fresh log, a restored backup or a
    staging deployment never mistakes another installation's issues or messages for its own.
    """

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(32), unique=True)
    legacy_labels_below: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TicketTask(Base):
    """A side effect a decision or correction still owes Slack or Jira (migration 0005).

    ``key`` makes enqueueing idempotent; ``state`` is pending, done or failed (a permanent
    error, audited). A pending task whose ``next_attempt_at`` has come is due; claiming it
    moves ``next_attempt_at`` forward, so two replicas never run it at once.
    """

    __tablename__ = "ticket_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_ticket_tasks_state_next", "state", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<TicketTask {self.id} {self.kind} ticket={self.ticket_id} {self.state}>"


class ThreadComment(Base):
    """A human reply in a ticket's Slack thread, copied to Jira as a comment (migration 0007).

    ``state``: pending (the comment, or its latest edit, is still owed to Jira), done, deleted
    (the Slack reply was deleted: the Jira comment is removed), failed (Jira refused it for
    good). ``version`` counts the Slack edits; ``synced_version`` is the one Jira shows.
    """

    __tablename__ = "thread_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # SourceFile
    state: Mapped[str] = mapped_column(String(16), default="pending")
    jira_comment_id: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(default=1)
    synced_version: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    post_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("channel_id", "message_ts", name="uq_thread_comments_message"),
        Index("ix_thread_comments_state_next", "state", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<ThreadComment {self.id} ticket={self.ticket_id} {self.message_ts} {self.state}>"


class JiraSyncCursor(Base):
    """Per polled project: ``updated`` processed so far, and who polls it (migration 0009)."""

    __tablename__ = "jira_sync_cursors"

    project: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class JiraChangeSeen(Base):
    """A Jira change (``<key>:history:<id>``, ``<key>:comment:<id>``) already turned into
    Slack work: shown once across restarts and replicas (migration 0009)."""

    __tablename__ = "jira_changes_seen"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class NotifyPref(Base):
    """How a person hears about their tickets' Jira changes: thread or dm (migration 0011)."""

    __tablename__ = "notify_prefs"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
