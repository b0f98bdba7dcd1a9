"""loop: evergreen and seasonal loops; pin.loop_id: which loop made a pin

Revision ID: 0004_loops
Revises: 0004_demand
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004_loops"
down_revision = "0004_demand"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("boards", sa.JSON(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("ahead_days", sa.Integer(), nullable=False),
        sa.Column("season_start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("season_end", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name"),
    )
    with op.batch_alter_table("loop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loop_account_id"), ["account_id"], unique=False)
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loop_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_pin_loop_id"), ["loop_id"], unique=False)
        batch_op.create_foreign_key("fk_pin_loop_id_loop", "loop", ["loop_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pin_loop_id_loop", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_pin_loop_id"))
        batch_op.drop_column("loop_id")
    with op.batch_alter_table("loop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loop_account_id"))
    op.drop_table("loop")
