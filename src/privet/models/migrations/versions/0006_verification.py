"""Identity verification challenges (one-time codes, signed links).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PURPOSE_CHECK = "purpose IN ('verify_request', 'download', 'preferences')"
KIND_CHECK = "kind IN ('code', 'link')"


def upgrade() -> None:
    op.create_table(
        "verification_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(PURPOSE_CHECK, name="ck_verification_challenges_purpose"),
        sa.CheckConstraint(KIND_CHECK, name="ck_verification_challenges_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verification_challenges_subject", "verification_challenges",
                    ["subject_ref", "purpose", "kind"])


def downgrade() -> None:
    op.drop_index("ix_verification_challenges_subject", table_name="verification_challenges")
    op.drop_table("verification_challenges")
