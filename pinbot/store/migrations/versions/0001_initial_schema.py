"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("pinterest_user_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "accountmetricdaily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
        sa.Column("pin_clicks", sa.Integer(), nullable=False),
        sa.Column("outbound_clicks", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("data_status", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "day"),
    )
    with op.batch_alter_table("accountmetricdaily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accountmetricdaily_account_id"), ["account_id"], unique=False)

    op.create_table(
        "board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=180), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("privacy", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pinterest_board_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("synced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "key"),
    )
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_account_id"), ["account_id"], unique=False)

    op.create_table(
        "experiment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("hypothesis", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("planned_impressions", sa.Integer(), nullable=True),
        sa.Column("horizon_days", sa.Integer(), nullable=True),
        sa.Column("auto_apply", sa.Boolean(), nullable=False),
        sa.Column("winner_variant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "name"),
    )
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experiment_account_id"), ["account_id"], unique=False)

    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("image_paths", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "source", "external_id"),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_account_id"), ["account_id"], unique=False)

    op.create_table(
        "token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("access_token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("refresh_token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("access_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("refresh_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("scopes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("seeded_from_env", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
    )
    op.create_table(
        "experimentvariant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("template", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("experiment_id", "key"),
    )
    with op.batch_alter_table("experimentvariant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experimentvariant_experiment_id"), ["experiment_id"], unique=False)

    op.create_table(
        "pin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("template", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("variant_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("experiment_variant_id", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=800), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("alt_text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("image_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("rendered_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "posting",
                "posted",
                "failed",
                "needs_attention",
                "cancelled",
                name="pinstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("explicit_time", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reconcile_checks", sa.Integer(), nullable=False),
        sa.Column("pinterest_pin_id", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("posted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
        ),
        sa.ForeignKeyConstraint(
            ["experiment_variant_id"],
            ["experimentvariant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "source_key"),
        sa.UniqueConstraint("uid"),
    )
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pin_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pin_board_id"), ["board_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pin_product_id"), ["product_id"], unique=False)
        batch_op.create_index("ix_pin_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "pinmetricdaily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pin_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("saves", sa.Integer(), nullable=False),
        sa.Column("pin_clicks", sa.Integer(), nullable=False),
        sa.Column("outbound_clicks", sa.Integer(), nullable=False),
        sa.Column("data_status", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pin_id"],
            ["pin.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pin_id", "day"),
    )
    with op.batch_alter_table("pinmetricdaily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pinmetricdaily_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_pinmetricdaily_pin_id"), ["pin_id"], unique=False)

    op.create_table(
        "postattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pin_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("worker_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pin_id"],
            ["pin.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("postattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postattempt_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_postattempt_pin_id"), ["pin_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postattempt_pin_id"))
        batch_op.drop_index(batch_op.f("ix_postattempt_attempt_id"))

    op.drop_table("postattempt")
    with op.batch_alter_table("pinmetricdaily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pinmetricdaily_pin_id"))
        batch_op.drop_index(batch_op.f("ix_pinmetricdaily_day"))

    op.drop_table("pinmetricdaily")
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.drop_index("ix_pin_status_due")
        batch_op.drop_index(batch_op.f("ix_pin_product_id"))
        batch_op.drop_index(batch_op.f("ix_pin_board_id"))
        batch_op.drop_index(batch_op.f("ix_pin_account_id"))

    op.drop_table("pin")
    with op.batch_alter_table("experimentvariant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experimentvariant_experiment_id"))

    op.drop_table("experimentvariant")
    op.drop_table("token")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_account_id"))

    op.drop_table("product")
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiment_account_id"))

    op.drop_table("experiment")
    with op.batch_alter_table("board", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_account_id"))

    op.drop_table("board")
    with op.batch_alter_table("accountmetricdaily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountmetricdaily_account_id"))

    op.drop_table("accountmetricdaily")
    op.drop_table("account")
