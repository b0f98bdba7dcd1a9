"""pin.metrics_fetched_at: when the metrics sweep last asked Pinterest about the pin

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metrics_fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.drop_column("metrics_fetched_at")
