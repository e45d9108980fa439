"""The erasure ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("identity_hashes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_erasure_records_recorded_at", "erasure_records", ["recorded_at"])
    op.create_table(
        "erasure_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("datastore", sa.String(length=200), nullable=False),
        sa.Column("table_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("key_columns", sa.JSON(), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("strategies", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["erasure_records.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_erasure_ledger_record_id", "erasure_ledger", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_erasure_ledger_record_id", table_name="erasure_ledger")
    op.drop_table("erasure_ledger")
    op.drop_index("ix_erasure_records_recorded_at", table_name="erasure_records")
    op.drop_table("erasure_records")
