"""service state (pause flag, heartbeat, spam block) and persisted API budgets

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apiusage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "category", "window_start"),
    )
    with op.batch_alter_table("apiusage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apiusage_account_id"), ["account_id"], unique=False)

    op.create_table(
        "servicestate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "key"),
    )


def downgrade() -> None:
    with op.batch_alter_table("apiusage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apiusage_account_id"))

    op.drop_table("apiusage")
    op.drop_table("servicestate")
