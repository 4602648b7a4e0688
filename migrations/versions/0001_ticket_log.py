"""ticket log: tickets and ticket_events

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:36:49.390433
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "slash_command",
                "modal",
                "shortcut",
                "reaction",
                name="ticket_source",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("slack_team_id", sa.String(length=32), nullable=True),
        sa.Column("slack_channel_id", sa.String(length=32), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("requester_name", sa.String(length=255), nullable=True),
        sa.Column("response_url", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("summary_override", sa.String(length=255), nullable=True),
        sa.Column("label_override", sa.String(length=32), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "classified",
                "filed",
                "posted",
                "approved",
                "rejected",
                "failed",
                name="ticket_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("classified_by", sa.String(length=32), nullable=True),
        sa.Column("needs_triage", sa.Boolean(), nullable=False),
        sa.Column("jira_key", sa.String(length=64), nullable=True),
        sa.Column("jira_url", sa.Text(), nullable=True),
        sa.Column("jira_create_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slack_post_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "decision",
            sa.Enum("approved", "rejected", name="ticket_decision", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_tickets_dedupe_key")),
        sa.UniqueConstraint("jira_key", name=op.f("uq_tickets_jira_key")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_requester_created", ["requester_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tickets_requester_id"), ["requester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_state"), ["state"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))

    op.drop_table("ticket_events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_state"))
        batch_op.drop_index(batch_op.f("ix_tickets_requester_id"))
        batch_op.drop_index("ix_tickets_requester_created")

    op.drop_table("tickets")
