"""installation: a random id for this ticket log, carried by every Jira label and Slack post

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 13:30:00

Tickets already in the log keep finding their issues by the old ``ticketbot-<id>`` label:
``legacy_labels_below`` is the first ticket id that only uses the new one.
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.String(length=32), nullable=False),
        sa.Column("legacy_labels_below", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
        sa.UniqueConstraint("installation_id", name=op.f("uq_installation_installation_id")),
    )
    next_id = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets"))
    op.bulk_insert(
        table,
        [
            {
                "id": 1,
                "installation_id": secrets.token_hex(5),
                "legacy_labels_below": int(next_id.scalar_one()),
                "created_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("installation")
