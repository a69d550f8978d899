"""Pages and the raw entries read from them, keyed so that re-reading a page duplicates nothing.

A page is keyed by (document, page number), a raw entry by its ``entry_id`` (a hash of the source
file, page and row, computed by extraction). Saving a page again updates what changed and leaves
the rest alone; the entries are checked against the document they claim to come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from civreg.errors import DataValidationError
from schemas.enums import PageShape
from schemas.records import RAW_FIELD, RawEntry, RawField
from schemas.store import Document, Page, RawEntryRow, utcnow
from schemas.values import BBox, Provenance
from store._session import Bind, chunks, reading, writing
from store.batches import DocumentKey


class PageMeta(BaseModel):
    """What preprocessing learnt about a page."""

    page_number: int = Field(ge=1, description="1-based page of the document.")
    page_shape: PageShape | None = None
    dpi: int | None = Field(None, ge=1)
    width: int | None = Field(None, ge=1, description="Pixels of the page image.")
    height: int | None = Field(None, ge=1)
    skew_angle: float | None = Field(None, description="Degrees corrected by deskew.")
    overlay_path: str | None = None


@dataclass(frozen=True)
class PageSaved:
    """The page's id and what happened to its entries."""

    page_id: int
    inserted: int
    updated: int
    unchanged: int


def _entry_values(entry: RawEntry, page_id: int) -> dict[str, Any]:
    provenance = entry.provenance
    return {
        "page_id": page_id,
        "register_type": entry.register_type,
        "row_index": provenance.row_index,
        "fields": {
            name: RAW_FIELD.dump_python(raw, mode="json") for name, raw in entry.fields.items()
        },
        "extra": {
            name: RAW_FIELD.dump_python(raw, mode="json") for name, raw in entry.extra.items()
        },
        "bbox": provenance.bbox.as_list() if provenance.bbox else None,
        "book_ward": entry.book_ward,
        "book_year": entry.book_year,
    }


def _check_provenance(entry: RawEntry, document: Document, page_number: int) -> None:
    provenance = entry.provenance
    expected = {
        "batch_id": document.batch_id,
        "source_path": document.relative_path,
        "source_sha256": document.sha256,
        "page_number": page_number,
    }
    for name, value in expected.items():
        if getattr(provenance, name) != value:
            raise DataValidationError(
                f"entry {entry.entry_id} (row {provenance.row_index}) says provenance.{name} is "
                f"{getattr(provenance, name)!r}, but it is saved with "
                f"{document.batch_id}/{document.relative_path} page {page_number} ({value!r})"
            )


def save_page_extraction(
    bind: Bind, document: DocumentKey, page: PageMeta, entries: Sequence[RawEntry]
) -> PageSaved:
    """Upsert a page and its raw entries in one transaction; re-saving duplicates nothing."""
    ids = [entry.entry_id for entry in entries]
    if len(set(ids)) != len(ids):
        raise DataValidationError(
            f"page {page.page_number} of {document}: the same entry_id appears twice"
        )
    with writing(bind) as session:
        stored_document = session.scalars(
            select(Document).where(
                Document.batch_id == document.batch_id,
                Document.relative_path == document.relative_path,
            )
        ).one_or_none()
        if stored_document is None:
            raise DataValidationError(
                f"page {page.page_number} of {document}: the document was never ingested"
            )
        if stored_document.page_count and page.page_number > stored_document.page_count:
            raise DataValidationError(
                f"{document}: page {page.page_number} beyond its {stored_document.page_count} pages"
            )
        shape = page.page_shape or (entries[0].page_shape if entries else None)
        for entry in entries:
            _check_provenance(entry, stored_document, page.page_number)
            if entry.page_shape is not shape:
                raise DataValidationError(
                    f"entry {entry.entry_id} (row {entry.provenance.row_index}) is a "
                    f"{entry.page_shape} entry on page {page.page_number} of {document}, "
                    f"a {shape} page"
                )
        row = session.scalars(
            select(Page).where(
                Page.document_id == stored_document.document_id,
                Page.page_number == page.page_number,
            )
        ).one_or_none()
        if row is None:
            row = Page(document_id=stored_document.document_id, page_number=page.page_number)
            session.add(row)
        meta = page.model_dump(exclude={"page_number"})
        meta["page_shape"] = shape if shape is not None else row.page_shape
        for name, value in meta.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        session.flush()
        existing = {
            entry_row.entry_id: entry_row
            for chunk in chunks(ids)
            for entry_row in session.scalars(
                select(RawEntryRow).where(RawEntryRow.entry_id.in_(chunk))
            )
        }
        inserted = updated = 0
        now = utcnow()
        for entry in entries:
            values = _entry_values(entry, row.page_id)
            before = existing.get(entry.entry_id)
            if before is None:
                session.add(RawEntryRow(entry_id=entry.entry_id, created_at=now, **values))
                inserted += 1
            elif any(getattr(before, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(before, name, value)
                updated += 1
        session.flush()
        return PageSaved(row.page_id, inserted, updated, len(entries) - inserted - updated)


def _raw_fields(data: dict[str, Any]) -> dict[str, RawField]:
    return {name: RAW_FIELD.validate_python(value) for name, value in data.items()}


def load_raw_entries(bind: Bind, batch_id: str) -> list[RawEntry]:
    """The raw entries of a batch as read, in (file, page, row) order: normalization's input."""
    statement = (
        select(RawEntryRow, Page.page_number, Page.page_shape, Document)
        .join(Page, RawEntryRow.page_id == Page.page_id)
        .join(Document, Page.document_id == Document.document_id)
        .where(Document.batch_id == batch_id)
        .order_by(Document.relative_path, Page.page_number, RawEntryRow.row_index)
    )
    entries: list[RawEntry] = []
    with reading(bind) as session:
        for row, page_number, page_shape, document in session.execute(statement):
            provenance = Provenance(
                batch_id=document.batch_id,
                source_path=document.relative_path,
                source_sha256=document.sha256,
                page_number=page_number,
                row_index=row.row_index,
                bbox=BBox.from_list(row.bbox) if row.bbox else None,
            )
            entries.append(
                RawEntry(
                    entry_id=row.entry_id,
                    register_type=row.register_type,
                    page_shape=page_shape,
                    fields=_raw_fields(row.fields),
                    extra=_raw_fields(row.extra),
                    book_ward=row.book_ward,
                    book_year=row.book_year,
                    provenance=provenance,
                )
            )
    return entries
