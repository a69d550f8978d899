"""initial work store: every table; triggers keep decisions and audit events append-only

Revision ID: store_0001
Revises:
Create Date: 2026-11-27 16:50:50.539241
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

APPEND_ONLY_TABLES = ("decisions", "audit_events")

revision: str = "store_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_subject_type_subject_id"),
        "audit_events",
        ["subject_type", "subject_id"],
        unique=False,
    )

    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(length=200), nullable=False),
        sa.Column("inbox_path", sa.String(length=1000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processing",
                "processed",
                "failed",
                name="batchstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_batches")),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("flow_name", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("link", "death", "correction", name="changekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "acknowledged",
                "failed",
                name="outboxstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_sync_outbox")),
    )
    op.create_index(
        op.f("ix_sync_outbox_status_next_attempt_at"),
        "sync_outbox",
        ["status", "next_attempt_at"],
        unique=False,
    )

    op.create_table(
        "sync_watermarks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_watermarks")),
    )
    op.create_table(
        "documents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=200), nullable=False),
        sa.Column("relative_path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sniffed_type", sa.String(length=64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "extracted",
                "quarantined",
                "skipped_duplicate",
                name="documentstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "quarantine_reason",
            sa.Enum(
                "empty",
                "truncated",
                "corrupt",
                "encrypted_pdf",
                "unsupported_type",
                "image_too_large",
                "too_many_pages",
                "layout_not_understood",
                name="quarantinereason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("quarantine_detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.batch_id"],
            name=op.f("fk_documents_batch_id_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_documents")),
        sa.UniqueConstraint(
            "batch_id", "relative_path", name=op.f("uq_documents_batch_id_relative_path")
        ),
    )
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"], unique=False)

    op.create_table(
        "pages",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column(
            "page_shape",
            sa.Enum(
                "ruled_table",
                "form",
                "born_digital",
                name="pageshape",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("dpi", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("skew_angle", sa.Double(), nullable=True),
        sa.Column("overlay_path", sa.String(length=1000), nullable=True),
        sa.CheckConstraint("page_number >= 1", name=op.f("ck_pages_page_number_from_1")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.document_id"],
            name=op.f("fk_pages_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("page_id", name=op.f("pk_pages")),
        sa.UniqueConstraint(
            "document_id", "page_number", name=op.f("uq_pages_document_id_page_number")
        ),
    )
    op.create_table(
        "raw_entries",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column(
            "register_type",
            sa.Enum(
                "birth", "death", "marriage", name="registertype", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("bbox", sa.JSON(), nullable=True),
        sa.Column("book_ward", sa.String(length=255), nullable=True),
        sa.Column("book_year", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.page_id"],
            name=op.f("fk_raw_entries_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_raw_entries")),
    )
    op.create_index(op.f("ix_raw_entries_page_id"), "raw_entries", ["page_id"], unique=False)

    op.create_table(
        "records",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column(
            "register_type",
            sa.Enum(
                "birth", "death", "marriage", name="registertype", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("ward_code", sa.String(length=16), nullable=True),
        sa.Column("registration_year", sa.Integer(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["raw_entries.entry_id"], name=op.f("fk_records_record_id_raw_entries")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_records")),
    )
    op.create_index(op.f("ix_records_register_type"), "records", ["register_type"], unique=False)
    op.create_index(
        op.f("ix_records_registration_year"), "records", ["registration_year"], unique=False
    )
    op.create_index(op.f("ix_records_ward_code"), "records", ["ward_code"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column(
            "party",
            sa.Enum("subject", "husband", "wife", name="party", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.record_id"],
            name=op.f("fk_candidates_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidates")),
        sa.UniqueConstraint(
            "record_id",
            "party",
            "personal_id",
            name=op.f("uq_candidates_record_id_party_personal_id"),
        ),
    )
    op.create_index(op.f("ix_candidates_record_id"), "candidates", ["record_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column(
            "party",
            sa.Enum("subject", "husband", "wife", name="party", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "auto_link",
                "send_to_review",
                "auto_new_person",
                "steward_link",
                "steward_new_person",
                "steward_not_in_db",
                "steward_reject",
                "steward_correct_field",
                name="decisionkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.record_id"], name=op.f("fk_decisions_record_id_records")
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_decisions_idempotency_key")),
    )
    op.create_index(
        op.f("ix_decisions_record_id_party_decision_id"),
        "decisions",
        ["record_id", "party", "decision_id"],
        unique=False,
    )

    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the append-only tables from any client, not only the ORM."""
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION civreg_refuse_append_only_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% are append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION civreg_refuse_append_only_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION civreg_refuse_append_only_change()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: {operation} refused'); "
                    "END"
                )
    else:
        raise NotImplementedError(
            f"append-only triggers are written for SQLite and PostgreSQL, not {dialect}"
        )


def _drop_append_only_triggers() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS civreg_refuse_append_only_change()")
    elif dialect == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for operation in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_index(op.f("ix_decisions_record_id_party_decision_id"), table_name="decisions")

    op.drop_table("decisions")
    op.drop_index(op.f("ix_candidates_record_id"), table_name="candidates")

    op.drop_table("candidates")
    op.drop_index(op.f("ix_records_ward_code"), table_name="records")
    op.drop_index(op.f("ix_records_registration_year"), table_name="records")
    op.drop_index(op.f("ix_records_register_type"), table_name="records")

    op.drop_table("records")
    op.drop_index(op.f("ix_raw_entries_page_id"), table_name="raw_entries")

    op.drop_table("raw_entries")
    op.drop_table("pages")
    op.drop_index(op.f("ix_documents_sha256"), table_name="documents")

    op.drop_table("documents")
    op.drop_table("sync_watermarks")
    op.drop_index(op.f("ix_sync_outbox_status_next_attempt_at"), table_name="sync_outbox")

    op.drop_table("sync_outbox")
    op.drop_table("runs")
    op.drop_table("batches")
    op.drop_index(op.f("ix_audit_events_subject_type_subject_id"), table_name="audit_events")

    op.drop_table("audit_events")
