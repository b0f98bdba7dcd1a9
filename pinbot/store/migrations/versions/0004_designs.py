"""pin.headline, pin.badge, pin.image_hash; product.headline, product.badge: pin designs

Revision ID: 0004_designs
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004_designs"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_hash", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("headline", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column("badge", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headline", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column("badge", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("badge")
        batch_op.drop_column("headline")
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.drop_column("badge")
        batch_op.drop_column("headline")
        batch_op.drop_column("image_hash")
