"""Published document versions, their documents, and the change notices sent for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_label", sa.String(length=64), nullable=True),
        sa.Column("material", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("notices_due_at", sa.DateTime(), nullable=True),
        sa.Column("notice_warning", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label"),
    )
    op.create_index(op.f("ix_document_versions_published_at"), "document_versions",
                    ["published_at"])
    op.create_table(
        "published_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("document", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "name"),
    )
    op.create_index(op.f("ix_published_documents_version_id"), "published_documents",
                    ["version_id"])
    op.create_table(
        "policy_change_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_message_id"], ["outbox_messages.id"]),
        sa.ForeignKeyConstraint(["version_id"], ["document_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "recipient"),
    )
    op.create_index(op.f("ix_policy_change_notices_version_id"), "policy_change_notices",
                    ["version_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_change_notices_version_id"),
                  table_name="policy_change_notices")
    op.drop_table("policy_change_notices")
    op.drop_index(op.f("ix_published_documents_version_id"), table_name="published_documents")
    op.drop_table("published_documents")
    op.drop_index(op.f("ix_document_versions_published_at"), table_name="document_versions")
    op.drop_table("document_versions")
