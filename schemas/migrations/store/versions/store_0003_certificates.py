"""certificates: electronic extracts issued from records, superseded but never replaced

Revision ID: store_0003
Revises: store_0002
Create Date: 2026-11-27 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "store_0003"
down_revision: str | Sequence[str] | None = "store_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("certificate_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column(
            "register_type",
            sa.Enum(
                "birth",
                "death",
                "marriage",
                name="registertype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ward_code", sa.String(length=16), nullable=True),
        sa.Column("facts_hash", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("issue_date", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("pdf_path", sa.String(length=1000), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.record_id"],
            name=op.f("fk_certificates_record_id_records"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_certificates")),
        sa.UniqueConstraint(
            "record_id", "sequence", name=op.f("uq_certificates_record_id_sequence")
        ),
    )
    op.create_index(op.f("ix_certificates_record_id"), "certificates", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_certificates_record_id"), table_name="certificates")
    op.drop_table("certificates")
