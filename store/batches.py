"""Batches and their documents: what ingest found, and where each file stands.

A document is known by its natural key (batch, relative path). Recording the same ingest twice
changes nothing; a readable file that was quarantined as unreadable (no hash) is updated once it
can be hashed; a file whose content changed under the same path is refused, because its pages and
entries would no longer match it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from civreg.errors import StoreError
from ocr.ingest import IngestResult
from schemas.enums import BatchStatus, DocumentStatus, QuarantineReason
from schemas.store import Batch, Document, utcnow
from store._session import Bind, insert_missing, reading, writing

UNHASHED = ""
"""``documents.sha256`` of a file that could not even be read (the column cannot be null)."""

FINISHED_DOCUMENT_STATUSES = (
    DocumentStatus.EXTRACTED,
    DocumentStatus.QUARANTINED,
    DocumentStatus.SKIPPED_DUPLICATE,
)

_BATCHES = Batch.__table__
_DOCUMENTS = Document.__table__


@dataclass(frozen=True)
class DocumentKey:
    """The natural key of a document: its batch and its path relative to the batch folder."""

    batch_id: str
    relative_path: str

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.relative_path}"


@dataclass(frozen=True)
class StoredDocument:
    """A document as stored."""

    document_id: int
    batch_id: str
    relative_path: str
    sha256: str
    sniffed_type: str | None
    page_count: int | None
    status: DocumentStatus
    quarantine_reason: QuarantineReason | None
    quarantine_detail: str | None

    @property
    def key(self) -> DocumentKey:
        return DocumentKey(self.batch_id, self.relative_path)


@dataclass(frozen=True)
class IngestRecorded:
    """What recording an ingest added; ``pending`` lists the documents still to read."""

    new_documents: int
    new_quarantined: int
    new_duplicates: int
    unchanged: int
    pending: tuple[StoredDocument, ...]


def _stored(row: Document) -> StoredDocument:
    return StoredDocument(
        document_id=row.document_id,
        batch_id=row.batch_id,
        relative_path=row.relative_path,
        sha256=row.sha256,
        sniffed_type=row.sniffed_type,
        page_count=row.page_count,
        status=row.status,
        quarantine_reason=row.quarantine_reason,
        quarantine_detail=row.quarantine_detail,
    )


def register_batch(bind: Bind, batch_id: str, inbox_path: Path | str) -> bool:
    """Record a batch (status ``received``) unless known; whether it was new."""
    now = utcnow()
    row = {
        "batch_id": batch_id,
        "inbox_path": str(inbox_path),
        "status": BatchStatus.RECEIVED,
        "created_at": now,
        "updated_at": now,
    }
    with writing(bind) as session:
        return bool(insert_missing(session, _BATCHES, [row], ["batch_id"], "batch_id"))


def set_batch_status(bind: Bind, batch_id: str, status: BatchStatus) -> None:
    """Move a batch to ``status``."""
    with writing(bind) as session:
        result = session.execute(
            update(_BATCHES)
            .where(_BATCHES.c.batch_id == batch_id)
            .values(status=status, updated_at=utcnow())
        )
        if result.rowcount == 0:
            raise StoreError(f"batch {batch_id!r} is not registered in the work store")


def unfinished_batches(bind: Bind) -> list[str]:
    """Batches not yet processed (received, processing or failed), oldest first."""
    with reading(bind) as session:
        return list(
            session.scalars(
                select(Batch.batch_id)
                .where(Batch.status != BatchStatus.PROCESSED)
                .order_by(Batch.created_at, Batch.batch_id)
            )
        )


def _incoming_rows(result: IngestResult) -> list[dict]:
    """One documents row per file ingest saw, in the order ingest listed them."""
    rows: list[dict] = []
    for document in result.documents:
        rows.append(
            {
                "relative_path": document.relative_path,
                "sha256": document.sha256,
                "sniffed_type": document.kind.value,
                "page_count": document.page_count,
                "status": DocumentStatus.PENDING,
                "quarantine_reason": None,
                "quarantine_detail": None,
            }
        )
    for quarantined in result.quarantined:
        rows.append(
            {
                "relative_path": quarantined.relative_path,
                "sha256": quarantined.sha256 or UNHASHED,
                "sniffed_type": None,
                "page_count": None,
                "status": DocumentStatus.QUARANTINED,
                "quarantine_reason": quarantined.reason,
                "quarantine_detail": quarantined.detail,
            }
        )
    for duplicate in result.duplicates:
        earlier = duplicate.duplicate_of or "a file processed in an earlier batch"
        rows.append(
            {
                "relative_path": duplicate.relative_path,
                "sha256": duplicate.sha256,
                "sniffed_type": None,
                "page_count": None,
                "status": DocumentStatus.SKIPPED_DUPLICATE,
                "quarantine_reason": None,
                "quarantine_detail": f"{duplicate.relative_path}: same content as {earlier}",
            }
        )
    return rows


def record_ingest(bind: Bind, result: IngestResult) -> IngestRecorded:
    """Store what ingest found (documents, quarantined files, duplicates); idempotent."""
    now = utcnow()
    counts = dict.fromkeys(DocumentStatus, 0)
    unchanged = 0
    with writing(bind) as session:
        register_batch(session, result.batch_id, result.batch_dir)
        existing = {
            row.relative_path: row
            for row in session.scalars(select(Document).where(Document.batch_id == result.batch_id))
        }
        for incoming in _incoming_rows(result):
            path = incoming["relative_path"]
            before = existing.get(path)
            if before is None:
                session.add(Document(batch_id=result.batch_id, created_at=now, **incoming))
                counts[incoming["status"]] += 1
            elif before.sha256 == UNHASHED and incoming["sha256"] != UNHASHED:
                for name, value in incoming.items():
                    setattr(before, name, value)
                counts[incoming["status"]] += 1
            elif incoming["sha256"] not in (UNHASHED, before.sha256):
                raise StoreError(
                    f"batch {result.batch_id}: {path} changed since it was ingested "
                    f"(sha256 {before.sha256[:12]}… is now {incoming['sha256'][:12]}…)",
                    hint="put the new version of the file in a new batch",
                )
            else:
                unchanged += 1
        session.flush()
        pending = pending_documents(session, result.batch_id)
    return IngestRecorded(
        new_documents=counts[DocumentStatus.PENDING],
        new_quarantined=counts[DocumentStatus.QUARANTINED],
        new_duplicates=counts[DocumentStatus.SKIPPED_DUPLICATE],
        unchanged=unchanged,
        pending=tuple(pending),
    )


def processed_hashes(bind: Bind) -> frozenset[str]:
    """sha256 of every file handled to the end (read, quarantined or skipped).

    Pending documents are left out: a run that died before reading them reads them next time.
    """
    with reading(bind) as session:
        return frozenset(
            session.scalars(
                select(Document.sha256)
                .where(Document.status.in_(FINISHED_DOCUMENT_STATUSES))
                .where(Document.sha256 != UNHASHED)
                .distinct()
            )
        )


def pending_documents(bind: Bind, batch_id: str) -> list[StoredDocument]:
    """Documents of the batch whose pages are not all read yet, in path order."""
    with reading(bind) as session:
        rows = session.scalars(
            select(Document)
            .where(Document.batch_id == batch_id, Document.status == DocumentStatus.PENDING)
            .order_by(Document.relative_path)
        )
        return [_stored(row) for row in rows]


def batch_documents(bind: Bind, batch_id: str) -> list[StoredDocument]:
    """Every document of the batch, in path order."""
    with reading(bind) as session:
        rows = session.scalars(
            select(Document).where(Document.batch_id == batch_id).order_by(Document.relative_path)
        )
        return [_stored(row) for row in rows]


def document_id_of(bind: Bind, document: DocumentKey) -> int:
    """The id of a stored document; :class:`StoreError` when it was never ingested."""
    with reading(bind) as session:
        document_id = session.scalar(
            select(Document.document_id).where(
                Document.batch_id == document.batch_id,
                Document.relative_path == document.relative_path,
            )
        )
    if document_id is None:
        raise StoreError(f"document {document} is not in the work store (record the ingest first)")
    return document_id


def _set_document(bind: Bind, document: DocumentKey, **values: object) -> None:
    with writing(bind) as session:
        result = session.execute(
            update(_DOCUMENTS)
            .where(
                _DOCUMENTS.c.batch_id == document.batch_id,
                _DOCUMENTS.c.relative_path == document.relative_path,
            )
            .values(updated_at=utcnow(), **values)
        )
        if result.rowcount == 0:
            raise StoreError(f"document {document} is not in the work store")


def mark_document_extracted(bind: Bind, document: DocumentKey) -> None:
    """Every page of the document is read and saved."""
    _set_document(bind, document, status=DocumentStatus.EXTRACTED)


def quarantine_document(
    bind: Bind, document: DocumentKey, reason: QuarantineReason, detail: str
) -> None:
    """A document found unreadable after ingest (e.g. its layout was not understood)."""
    _set_document(
        bind,
        document,
        status=DocumentStatus.QUARANTINED,
        quarantine_reason=reason,
        quarantine_detail=detail,
    )


def batch_statuses(bind: Bind) -> dict[str, BatchStatus]:
    """Every known batch and where it stands."""
    with reading(bind) as session:
        return dict(session.execute(select(Batch.batch_id, Batch.status)).all())
