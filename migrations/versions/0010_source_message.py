"""tickets.source_*: the Slack message a ticket was filed from, and who filed it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 16:20:00

Tickets filed from an existing message (issue 17: the "File as ticket" message shortcut, or
an emoji reaction) keep that message: its channel and ts (unique together, so a message is
filed once however many people react or use the shortcut at once, on any replica), its
permalink (the issue's description links back to it), the files shared with it (id, name,
size: copied to the Jira issue afterwards) and the person who filed it when that is not the
requester (the message's author). All are empty for tickets typed with /ticket or the form.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("source_channel_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("source_ts", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("source_permalink", sa.Text(), nullable=True))
        batch.add_column(sa.Column("source_files", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("filed_by", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(
            "uq_tickets_source_message", ["source_channel_id", "source_ts"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_source_message", type_="unique")
        batch.drop_column("filed_by")
        batch.drop_column("source_files")
        batch.drop_column("source_permalink")
        batch.drop_column("source_ts")
        batch.drop_column("source_channel_id")
