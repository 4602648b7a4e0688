"""training_examples.embedding and .encoder: each example's sentence-encoder vector

The vector (float32, little-endian, as bytes) and the id of the encoder that made it (model
file and token budget), so a rebuild of the memory never re-encodes, and a different encoder
re-encodes instead of mixing vectors from two spaces.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("encoder", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.drop_column("encoder")
        batch_op.drop_column("embedding")
