"""product.hand_photos: photos the owner added by hand (`pinbot products photo`), kept by a
re-import; product.hand_photos_only: the owner replaced the photos, so imports leave them alone

Revision ID: 0007_hand_photos
Revises: 0004_loops
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_hand_photos"
down_revision = "0004_loops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hand_photos", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("hand_photos_only", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("hand_photos_only")
        batch_op.drop_column("hand_photos")
