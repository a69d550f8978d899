"""Normalized records, upserted by ``record_id`` with a content hash.

The hash covers the whole record as JSON (values, confidences, boxes, issues): saving a record
whose hash is unchanged writes nothing, a changed one is updated and its ``version`` goes up by
one. Matching and the export read records back as their pydantic models.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from civreg.errors import DataValidationError, StoreError
from schemas.enums import RegisterType
from schemas.records import RECORD_MODELS, CivilRecordBase
from schemas.store import RawEntryRow, RecordRow, utcnow
from store._session import Bind, chunks, filtered_by, reading, writing
from store.keys import content_hash


@dataclass(frozen=True)
class RecordsSaved:
    """What saving a list of records did."""

    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class RecordKey:
    """What the export partitions and fingerprints a record by, without loading it."""

    record_id: str
    register_type: RegisterType
    registration_year: int | None
    ward_code: str | None
    content_hash: str


@dataclass(frozen=True)
class StoredRecord:
    """A record as stored, with its hash and version."""

    key: RecordKey
    version: int
    record: CivilRecordBase

    @property
    def record_id(self) -> str:
        return self.key.record_id


def record_content_hash(record: CivilRecordBase) -> str:
    """The hash that decides whether a record changed."""
    return content_hash(record.model_dump(mode="json"))


def save_records(bind: Bind, records: Sequence[CivilRecordBase]) -> RecordsSaved:
    """Upsert records by id in one transaction; ``version`` moves only when content changed."""
    by_id: dict[str, CivilRecordBase] = {}
    for record in records:
        if record.record_id in by_id:
            raise DataValidationError(f"record {record.record_id} is given twice in one save")
        by_id[record.record_id] = record
    inserted = updated = 0
    now = utcnow()
    with writing(bind) as session:
        existing: dict[str, RecordRow] = {}
        known_entries: set[str] = set()
        for chunk in chunks(by_id):
            existing.update(
                (row.record_id, row)
                for row in session.scalars(select(RecordRow).where(RecordRow.record_id.in_(chunk)))
            )
            known_entries.update(
                session.scalars(select(RawEntryRow.entry_id).where(RawEntryRow.entry_id.in_(chunk)))
            )
        for record_id, record in by_id.items():
            if record_id not in known_entries:
                raise StoreError(
                    f"record {record_id} ({record.provenance.source_path} page "
                    f"{record.provenance.page_number} row {record.provenance.row_index}) has no "
                    "raw entry in the work store: save the page extraction first"
                )
            digest = record_content_hash(record)
            before = existing.get(record_id)
            if before is not None and before.content_hash == digest:
                continue
            values = {
                "register_type": record.register_type,
                "ward_code": record.ward_code,
                "registration_year": record.registration_year,
                "record": record.model_dump(mode="json"),
                "issues": [issue.model_dump(mode="json") for issue in record.issues],
                "blocking": bool(record.blocking_issues),
                "content_hash": digest,
            }
            if before is None:
                session.add(RecordRow(record_id=record_id, version=1, created_at=now, **values))
                inserted += 1
            else:
                for name, value in values.items():
                    setattr(before, name, value)
                before.version += 1
                updated += 1
    return RecordsSaved(inserted, updated, len(by_id) - inserted - updated)


def _key(row: RecordRow) -> RecordKey:
    return RecordKey(
        record_id=row.record_id,
        register_type=row.register_type,
        registration_year=row.registration_year,
        ward_code=row.ward_code,
        content_hash=row.content_hash,
    )


def record_keys(bind: Bind, register_type: RegisterType | None = None) -> list[RecordKey]:
    """Keys of every record (of one register type), in record_id order."""
    statement = select(
        RecordRow.record_id,
        RecordRow.register_type,
        RecordRow.registration_year,
        RecordRow.ward_code,
        RecordRow.content_hash,
    ).order_by(RecordRow.record_id)
    if register_type is not None:
        statement = statement.where(RecordRow.register_type == register_type)
    with reading(bind) as session:
        return [RecordKey(*row) for row in session.execute(statement)]


def load_records(
    bind: Bind,
    *,
    register_type: RegisterType | None = None,
    record_ids: Iterable[str] | None = None,
) -> list[StoredRecord]:
    """Records as their models, in record_id order; all of them unless filtered."""
    statement = select(RecordRow)
    if register_type is not None:
        statement = statement.where(RecordRow.register_type == register_type)
    with reading(bind) as session:
        rows = [
            row
            for one in filtered_by(statement, RecordRow.record_id, record_ids)
            for row in session.scalars(one)
        ]
    rows.sort(key=lambda row: row.record_id)
    return [
        StoredRecord(
            _key(row), row.version, RECORD_MODELS[row.register_type].model_validate(row.record)
        )
        for row in rows
    ]
