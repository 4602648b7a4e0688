"""jira_sync: the Jira change feed's cursor and lease, the changes already shown, and each
ticket's current Jira status and assignee

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 16:10:00

``jira_sync_cursors``: one row per polled project (the ``updated`` time processed so far, and
the lease that lets one replica poll it). ``jira_changes_seen``: one row per changelog history
or comment already turned into Slack work, so a change is shown once across restarts and
replicas. ``tickets.jira_status`` / ``jira_assignee``: what the living ticket message shows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jira_sync_cursors",
        sa.Column("project", sa.String(length=32), nullable=False),
        sa.Column("cursor_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("project", name=op.f("pk_jira_sync_cursors")),
    )
    op.create_table(
        "jira_changes_seen",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_jira_changes_seen_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_jira_changes_seen")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("jira_status", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("jira_assignee", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("jira_assignee")
        batch.drop_column("jira_status")
    op.drop_table("jira_changes_seen")
    op.drop_table("jira_sync_cursors")
