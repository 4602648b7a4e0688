"""notify_prefs: how each person wants to hear about their tickets' Jira changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 16:05:00

One row per person who chose (``/ticket_status notify dm`` or ``thread``): ``thread`` (the
default, also without a row) tells status changes in the ticket's thread; ``dm`` also sends
them to the requester in a direct message.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_prefs",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_prefs")),
    )


def downgrade() -> None:
    op.drop_table("notify_prefs")
