"""The work store: SQLAlchemy tables of batches, documents, pages, entries, matches and sync.

One declarative base, :class:`StoreBase`, with its own metadata (the population DB mock has its
own, see :mod:`schemas.population_db`). Types are portable between SQLite and PostgreSQL: JSON
columns, timezone-aware timestamps (:class:`UtcDateTime`) and enums stored as their string values.
The schema itself is created by the Alembic revisions in ``schemas/migrations/store``.

Decisions and audit events are append-only, enforced twice: :func:`refuse_append_only_changes`
stops the ORM from flushing an update or delete of them, and database triggers (created by the
migration) refuse ``UPDATE``/``DELETE`` from any client.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from civreg.errors import StoreError
from schemas.enums import (
    BatchStatus,
    ChangeKind,
    DecisionKind,
    DocumentStatus,
    OutboxStatus,
    PageShape,
    QuarantineReason,
    RegisterType,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names that Alembic revisions can rely on, identical on SQLite and PostgreSQL."""

APPEND_ONLY_TABLES = ("decisions", "audit_events", "decision_thresholds")
"""Tables whose rows are never updated nor deleted (their migrations add triggers on them)."""

SHA256_LENGTH = 64


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so naive values read from it are UTC by construction; a naive value
    written from Python is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise StoreError(f"naive timestamp {value.isoformat()} (store timestamps carry a zone)")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def str_enum(enum_class: type[StrEnum]) -> Enum:
    """A portable enum column holding the members' string values (not their Python names)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
        length=max(32, *(len(member.value) for member in enum_class)),
    )


class Party(StrEnum):
    """Whom of a record a candidate or decision is about: a marriage has two parties."""

    SUBJECT = "subject"  # the person of a birth or death entry
    HUSBAND = "husband"
    WIFE = "wife"


class StoreBase(DeclarativeBase):
    """Declarative base of the work store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(255),
    }


class AppendOnly:
    """Marker of models whose rows are never changed once written."""


class Batch(StoreBase):
    """A folder of scans dropped in the inbox, processed as one unit."""

    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    inbox_path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus), default=BatchStatus.RECEIVED)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="batch")


class Document(StoreBase):
    """One file of a batch; a file whose sha256 was already processed is skipped."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("batch_id", "relative_path"),)

    document_id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id", ondelete="CASCADE"))
    relative_path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(SHA256_LENGTH), index=True)
    sniffed_type: Mapped[str | None] = mapped_column(String(64))
    page_count: Mapped[int | None]
    status: Mapped[DocumentStatus] = mapped_column(
        str_enum(DocumentStatus), default=DocumentStatus.PENDING
    )
    quarantine_reason: Mapped[QuarantineReason | None] = mapped_column(str_enum(QuarantineReason))
    quarantine_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(back_populates="document", order_by="Page.page_number")


class Page(StoreBase):
    """One page of a document, as preprocessed."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("document_id", "page_number"),
        CheckConstraint("page_number >= 1", name="page_number_from_1"),
    )

    page_id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.document_id", ondelete="CASCADE")
    )
    page_number: Mapped[int] = mapped_column(doc="1-based page of the document.")
    page_shape: Mapped[PageShape | None] = mapped_column(str_enum(PageShape))
    dpi: Mapped[int | None]
    width: Mapped[int | None] = mapped_column(doc="Pixels of the page image.")
    height: Mapped[int | None]
    skew_angle: Mapped[float | None] = mapped_column(doc="Degrees corrected by deskew.")
    overlay_path: Mapped[str | None] = mapped_column(String(1000))

    document: Mapped[Document] = relationship(back_populates="pages")


class RawEntryRow(StoreBase):
    """A register row or form page as read (:class:`schemas.records.RawEntry`)."""

    __tablename__ = "raw_entries"

    entry_id: Mapped[str] = mapped_column(String(SHA256_LENGTH), primary_key=True)
    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.page_id", ondelete="CASCADE"), index=True
    )
    register_type: Mapped[RegisterType] = mapped_column(str_enum(RegisterType))
    row_index: Mapped[int] = mapped_column(doc="1-based entry on the page.")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    bbox: Mapped[list[Any] | None]
    book_ward: Mapped[str | None]
    book_year: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RecordRow(StoreBase):
    """A normalized record (Birth/Death/MarriageRecord as JSON) with its validation issues."""

    __tablename__ = "records"

    record_id: Mapped[str] = mapped_column(
        String(SHA256_LENGTH), ForeignKey("raw_entries.entry_id"), primary_key=True
    )
    register_type: Mapped[RegisterType] = mapped_column(str_enum(RegisterType), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(16), index=True)
    registration_year: Mapped[int | None] = mapped_column(index=True)
    record: Mapped[dict[str, Any]]
    issues: Mapped[list[Any]] = mapped_column(default=list)
    blocking: Mapped[bool] = mapped_column(default=False, doc="An error-level issue.")
    content_hash: Mapped[str] = mapped_column(String(SHA256_LENGTH))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Candidate(StoreBase):
    """A person of the population DB proposed for one party of a record, with its score."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("record_id", "party", "personal_id"),)

    candidate_id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.record_id", ondelete="CASCADE"), index=True
    )
    party: Mapped[Party] = mapped_column(str_enum(Party))
    personal_id: Mapped[str] = mapped_column(String(12))
    score: Mapped[float]
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Decision(AppendOnly, StoreBase):
    """What was decided about one party of a record; append-only, the latest one wins."""

    __tablename__ = "decisions"
    __table_args__ = (Index(None, "record_id", "party", "decision_id"),)

    decision_id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.record_id"))
    party: Mapped[Party] = mapped_column(str_enum(Party), default=Party.SUBJECT)
    kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind))
    actor: Mapped[str] = mapped_column(String(200), doc="'system' or the steward's login.")
    personal_id: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEvent(AppendOnly, StoreBase):
    """Who did what to which object, and when; append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "subject_type", "subject_id"),)

    event_id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50), doc="e.g. 'record', 'batch'.")
    subject_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxMessage(StoreBase):
    """A change to submit to the population DB; sent until acknowledged."""

    __tablename__ = "sync_outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    message_id: Mapped[str] = mapped_column(
        String(128), primary_key=True, doc="Idempotency key: the same change, the same id."
    )
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind))
    payload: Mapped[dict[str, Any]]
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncWatermark(StoreBase):
    """How far a feed has been read (e.g. the population DB's change sequence)."""

    __tablename__ = "sync_watermarks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Run(StoreBase):
    """One run of a flow, with what it counted."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow_name: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Role(StrEnum):
    """What a user of the review app may do: clerks upload, stewards decide, admins manage."""

    CLERK = "clerk"
    STEWARD = "steward"
    ADMIN = "admin"


class UploadState(StrEnum):
    """Where a batch uploaded through the review app stands in its background run."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class UserAccount(StoreBase):
    """A user of the review app; the password is kept as an argon2 hash only."""

    __tablename__ = "review_users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UserSession(StoreBase):
    """A signed-in browser: the cookie holds a random token, the store only its hash."""

    __tablename__ = "review_sessions"

    token_hash: Mapped[str] = mapped_column(String(SHA256_LENGTH), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("review_users.username", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class LoginAttempt(StoreBase):
    """One sign-in attempt, keyed by a hash of user and address (rate limiting)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "attempt_key", "created_at"),)

    attempt_id: Mapped[int] = mapped_column(primary_key=True)
    attempt_key: Mapped[str] = mapped_column(String(SHA256_LENGTH))
    succeeded: Mapped[bool]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewLock(StoreBase):
    """A record a steward has open: nobody else may decide it until the lock expires."""

    __tablename__ = "review_locks"

    record_id: Mapped[str] = mapped_column(
        String(SHA256_LENGTH), ForeignKey("records.record_id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class BatchUpload(StoreBase):
    """A batch a clerk uploaded through the review app, and its background run."""

    __tablename__ = "batch_uploads"

    batch_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    files: Mapped[int]
    size_bytes: Mapped[int]
    state: Mapped[UploadState] = mapped_column(str_enum(UploadState), default=UploadState.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class IssuedCertificate(StoreBase):
    """An electronic extract (trích lục) issued from a record; superseded, never replaced.

    ``sequence`` numbers a record's certificates from 1: two issuers racing for the same record
    collide on it instead of both issuing.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("record_id", "sequence"),)

    certificate_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        String(SHA256_LENGTH), ForeignKey("records.record_id"), index=True
    )
    sequence: Mapped[int]
    record_version: Mapped[int] = mapped_column(doc="The record's version when issued.")
    register_type: Mapped[RegisterType] = mapped_column(str_enum(RegisterType))
    ward_code: Mapped[str | None] = mapped_column(String(16))
    facts_hash: Mapped[str] = mapped_column(String(SHA256_LENGTH))
    facts: Mapped[list[Any]] = mapped_column(doc="The certified facts: [key, label, value].")
    issue_date: Mapped[str] = mapped_column(String(10), doc="ISO date printed on the extract.")
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str] = mapped_column(String(1000), doc="Relative to the certificates dir.")
    pdf_sha256: Mapped[str] = mapped_column(String(SHA256_LENGTH))
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    superseded_at: Mapped[dt.datetime | None]


class ThresholdSet(AppendOnly, StoreBase):
    """One version of the matching decision thresholds; append-only, the highest version rules.

    ``options`` holds the full set (:class:`matching.decide.DecisionOptions` as JSON), so a
    version reads alone; ``replaces`` names the version it followed (0: the code defaults).
    """

    __tablename__ = "decision_thresholds"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    options: Mapped[dict[str, Any]]
    replaces: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


@event.listens_for(Session, "before_flush")
def refuse_append_only_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Stop a flush that would update or delete a decision or an audit event."""
    for obj in session.deleted:
        if isinstance(obj, AppendOnly):
            raise StoreError(f"{obj.__tablename__} are append-only: a row cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AppendOnly) and session.is_modified(obj, include_collections=False):
            raise StoreError(f"{obj.__tablename__} are append-only: a row cannot be changed")
