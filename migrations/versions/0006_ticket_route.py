"""tickets.jira_project and tickets.jira_fields: where a ticket is filed and the form's fields

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 15:55:00

Per-channel routing (issue 17) files tickets into several Jira projects: the ticket log keeps
the project each ticket was (or is being) filed in, fixed before the create is sent, so the
reconciliation after a lost create, the approvals and the status lookups use that project and
never the global one. ``jira_fields`` keeps the values a person picked in the form for the
fields Jira requires (field id -> allowed value). Both are empty for older tickets: they were
filed in ``jira.project_key``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("jira_project", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("jira_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("jira_fields")
        batch.drop_column("jira_project")
