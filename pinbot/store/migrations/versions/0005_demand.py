"""Earned reach (reachdaily, toppindaily, toppinlist), surges and link checks

Revision ID: 0004_demand
Revises: 0004_designs
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004_demand"
down_revision = "0004_designs"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def _metrics() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in ("impressions", "saves", "pin_clicks")] + [
        sa.Column("outbound_clicks", sa.Integer(), nullable=False)
    ]


def upgrade() -> None:
    op.create_table(
        "reachdaily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", S(length=10), nullable=False),
        *_metrics(),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("data_status", S(length=40), nullable=False),
        sa.Column("fetched_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "day", "source"),
    )
    op.create_index(op.f("ix_reachdaily_account_id"), "reachdaily", ["account_id"], unique=False)
    op.create_table(
        "toppindaily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", S(length=10), nullable=False),
        sa.Column("pinterest_pin_id", S(length=50), nullable=False),
        *_metrics(),
        sa.Column("data_status", S(length=40), nullable=False),
        sa.Column("fetched_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "source", "pinterest_pin_id", "day"),
    )
    op.create_index("ix_toppindaily_account_day", "toppindaily", ["account_id", "day"], unique=False)
    op.create_table(
        "toppinlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", S(length=10), nullable=False),
        sa.Column("sort_by", S(length=20), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.Integer(), nullable=False),
        sa.Column("data_status", S(length=40), nullable=False),
        sa.Column("fetched_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "day", "source", "sort_by"),
    )
    op.create_index(op.f("ix_toppinlist_account_id"), "toppinlist", ["account_id"], unique=False)
    op.create_table(
        "surge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("pinterest_pin_id", S(length=50), nullable=False),
        sa.Column("source", S(length=10), nullable=False),
        sa.Column("pin_id", sa.Integer(), nullable=True),
        sa.Column("metric", S(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("recent", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("typical", sa.Float(), nullable=False),
        sa.Column("alerted_at", T(), nullable=True),
        sa.Column("action", S(), nullable=False),
        sa.Column("acted_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["pin_id"], ["pin.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "pinterest_pin_id", "started_on"),
    )
    op.create_index(op.f("ix_surge_account_id"), "surge", ["account_id"], unique=False)
    op.create_table(
        "linkcheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("url_key", S(length=64), nullable=False),
        sa.Column("url", S(length=2048), nullable=False),
        sa.Column("verdict", S(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("reason", S(), nullable=False),
        sa.Column("final_url", S(length=2048), nullable=False),
        sa.Column("checked_at", T(), nullable=False),
        sa.Column("alerted_verdict", S(length=20), nullable=True),
        sa.Column("alerted_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "url_key"),
    )
    op.create_index(op.f("ix_linkcheck_account_id"), "linkcheck", ["account_id"], unique=False)


def downgrade() -> None:
    for table in ("linkcheck", "surge", "toppinlist", "toppindaily", "reachdaily"):
        op.drop_table(table)
