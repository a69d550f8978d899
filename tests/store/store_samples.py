"""Small work-store samples built straight from the pydantic models (no OCR): a batch with its
files, raw entries on pages, and normalized records of the three register types.

Shared by the store, export, sync and certificate tests as ``import store_samples`` (pytest puts
this folder on the path: ``pythonpath`` in pyproject.toml).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from ocr.ingest import IngestedDocument, IngestResult, QuarantinedFile, SkippedDuplicate
from ocr.sniff import FileKind
from schemas.enums import DecisionKind, MatchStatus, PageShape, QuarantineReason, RegisterType
from schemas.records import RECORD_MODELS, CivilRecordBase, RawEntry, RawField
from schemas.store import Party
from schemas.values import BBox, Provenance
from store import (
    DecisionInput,
    DocumentKey,
    PageMeta,
    mark_document_extracted,
    record_ingest,
    save_page_extraction,
    save_records,
)

BATCH_ID = "2026-11-27-tay-ho"
DOCUMENT_PATHS = {
    RegisterType.BIRTH: "khai-sinh/so-khai-sinh.pdf",
    RegisterType.DEATH: "khai-tu/so-khai-tu.tiff",
    RegisterType.MARRIAGE: "ket-hon/so-ket-hon.png",
}
ROW_HEIGHT = 60


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def document_sha(register_type: RegisterType) -> str:
    return sha256_of(f"content of {DOCUMENT_PATHS[register_type]}")


def ingest_result(batch_dir: Path, batch_id: str = BATCH_ID) -> IngestResult:
    """Three readable books, two unreadable files and one duplicate."""
    documents = tuple(
        IngestedDocument(
            relative_path=path,
            sha256=document_sha(register_type),
            kind={"pdf": FileKind.PDF, "tiff": FileKind.TIFF, "png": FileKind.PNG}[
                path.rsplit(".", 1)[1]
            ],
            page_count=2,
            size_bytes=10_000,
        )
        for register_type, path in DOCUMENT_PATHS.items()
    )
    quarantined = (
        QuarantinedFile(
            relative_path="hong/khoa.pdf",
            sha256=sha256_of("encrypted"),
            reason=QuarantineReason.ENCRYPTED_PDF,
            detail="hong/khoa.pdf: PDF is encrypted (a password is needed)",
            quarantine_path=None,
        ),
        QuarantinedFile(
            relative_path="hong/khong-doc-duoc.jpg",
            sha256=None,
            reason=QuarantineReason.CORRUPT,
            detail="hong/khong-doc-duoc.jpg: file cannot be read (Permission denied)",
            quarantine_path=None,
        ),
    )
    duplicates = (
        SkippedDuplicate(
            relative_path="khai-sinh/ban-sao.pdf",
            sha256=document_sha(RegisterType.BIRTH),
            duplicate_of=DOCUMENT_PATHS[RegisterType.BIRTH],
        ),
    )
    return IngestResult(
        batch_id=batch_id,
        batch_dir=batch_dir,
        documents=documents,
        quarantined=quarantined,
        duplicates=duplicates,
    )


def entry_id_of(register_type: RegisterType, page_number: int, row_index: int) -> str:
    return sha256_of(f"{document_sha(register_type)}:{page_number}:{row_index}")


def raw_entry(
    register_type: RegisterType, page_number: int, row_index: int, texts: dict[str, str]
) -> RawEntry:
    """A register row as read, with a box per field and one for the row."""
    top = 200 + row_index * ROW_HEIGHT
    fields = {
        name: RawField(
            text=text,
            confidence=0.9,
            bbox=BBox(x0=100 + 150 * i, y0=top, x1=240 + 150 * i, y1=top + 50),
        )
        for i, (name, text) in enumerate(texts.items())
    }
    return RawEntry(
        entry_id=entry_id_of(register_type, page_number, row_index),
        register_type=register_type,
        page_shape=PageShape.RULED_TABLE,
        fields=fields,
        book_ward="Phường Tây Hồ",
        book_year=2001,
        provenance=Provenance(
            batch_id=BATCH_ID,
            source_path=DOCUMENT_PATHS[register_type],
            source_sha256=document_sha(register_type),
            page_number=page_number,
            row_index=row_index,
            bbox=BBox(x0=80, y0=top, x1=2400, y1=top + ROW_HEIGHT - 5),
        ),
    )


def _value(entry: RawEntry, name: str, value: object) -> dict:
    raw = entry.fields[name]
    return {
        "value": value,
        "raw_text": raw.text,
        "confidence": raw.confidence,
        "page_number": entry.provenance.page_number,
        "bbox": raw.bbox,
    }


@dataclass(frozen=True)
class RecordSpec:
    """One register entry to build: where it is and what it says."""

    register_type: RegisterType
    page_number: int
    row_index: int
    registration_year: int | None
    ward_code: str | None
    name: str
    partner_name: str = "Trần Thị Lan"
    date_of_event: str = "2001-03-05"

    @property
    def entry_id(self) -> str:
        return entry_id_of(self.register_type, self.page_number, self.row_index)


def _texts(spec: RecordSpec) -> dict[str, str]:
    date = f"05/03/{spec.registration_year}" if spec.registration_year else ""
    texts = {"registration_number": str(spec.row_index), "registration_date": date}
    if spec.register_type is RegisterType.MARRIAGE:
        texts |= {"husband_full_name": spec.name, "wife_full_name": spec.partner_name}
    else:
        texts |= {"full_name": spec.name, "date_of_birth": "12/08/1950"}
    if spec.register_type is RegisterType.DEATH:
        texts["date_of_death"] = spec.date_of_event
    return texts


def build(spec: RecordSpec) -> tuple[RawEntry, CivilRecordBase]:
    """The raw entry and the normalized record of one spec."""
    entry = raw_entry(spec.register_type, spec.page_number, spec.row_index, _texts(spec))
    data: dict = {
        "record_id": entry.entry_id,
        "ward": "Phường Tây Hồ",
        "ward_code": spec.ward_code,
        "registration_number": _value(entry, "registration_number", spec.row_index),
        "provenance": entry.provenance,
    }
    if spec.registration_year:
        data["registration_date"] = _value(
            entry, "registration_date", f"{spec.registration_year}-03-05"
        )
    if spec.register_type is RegisterType.MARRIAGE:
        data["husband_full_name"] = _value(entry, "husband_full_name", spec.name)
        data["wife_full_name"] = _value(entry, "wife_full_name", spec.partner_name)
    else:
        data["full_name"] = _value(entry, "full_name", spec.name)
        data["date_of_birth"] = _value(entry, "date_of_birth", "1950-08-12")
    if spec.register_type is RegisterType.DEATH:
        data["date_of_death"] = _value(entry, "date_of_death", spec.date_of_event)
    return entry, RECORD_MODELS[spec.register_type].model_validate(data)


DEFAULT_SPECS: tuple[RecordSpec, ...] = (
    RecordSpec(RegisterType.BIRTH, 1, 1, 1998, "00103", "Nguyễn Văn An"),
    RecordSpec(RegisterType.BIRTH, 1, 2, 1998, "00103", "Lê Thị Hồng Nhung"),
    RecordSpec(RegisterType.BIRTH, 1, 3, 1998, "00106", "Phạm Minh Đức"),
    RecordSpec(RegisterType.BIRTH, 1, 4, 1999, "00103", "Hoàng Thu Trang"),
    RecordSpec(RegisterType.BIRTH, 2, 1, 1999, "00103", "Vũ Quang Hải"),
    RecordSpec(RegisterType.BIRTH, 2, 2, None, "00103", "Đặng Thị Mai"),
    RecordSpec(RegisterType.DEATH, 1, 1, 2001, "00103", "Bùi Văn Long", date_of_event="2001-03-01"),
    RecordSpec(RegisterType.DEATH, 1, 2, 2001, "00106", "Đỗ Thị Hà", date_of_event="2001-02"),
    RecordSpec(RegisterType.MARRIAGE, 1, 1, 2005, "00103", "Ngô Văn Tuấn", "Dương Thị Yến"),
    RecordSpec(RegisterType.MARRIAGE, 1, 2, 2005, "00103", "Lý Minh Khoa", "Mai Thị Thảo"),
)


@dataclass
class Seeded:
    """What :func:`seed_store` saved."""

    entries: list[RawEntry] = field(default_factory=list)
    records: dict[str, CivilRecordBase] = field(default_factory=dict)
    specs: dict[str, RecordSpec] = field(default_factory=dict)


def seed_store(
    engine: Engine, batch_dir: Path, specs: tuple[RecordSpec, ...] = DEFAULT_SPECS
) -> Seeded:
    """Record the ingest, save every page's entries and every record, as the pipeline would."""
    record_ingest(engine, ingest_result(batch_dir))
    seeded = Seeded()
    pages: dict[tuple[RegisterType, int], list[RawEntry]] = {}
    for spec in specs:
        entry, record = build(spec)
        pages.setdefault((spec.register_type, spec.page_number), []).append(entry)
        seeded.entries.append(entry)
        seeded.records[record.record_id] = record
        seeded.specs[record.record_id] = spec
    for (register_type, page_number), entries in sorted(pages.items()):
        document = DocumentKey(BATCH_ID, DOCUMENT_PATHS[register_type])
        meta = PageMeta(page_number=page_number, dpi=300, width=2480, height=3508)
        save_page_extraction(engine, document, meta, entries)
    for register_type in {spec.register_type for spec in specs}:
        mark_document_extracted(engine, DocumentKey(BATCH_ID, DOCUMENT_PATHS[register_type]))
    save_records(engine, list(seeded.records.values()))
    return seeded


STEWARD = "steward.lan"


def sample_decisions(seeded: Seeded) -> tuple[list[DecisionInput], dict[str, MatchStatus]]:
    """Decisions covering every outcome, and the export status each record should end with."""
    by_type: dict[RegisterType, list[str]] = {t: [] for t in RegisterType}
    for record_id, spec in seeded.specs.items():
        by_type[spec.register_type].append(record_id)
    births, deaths, marriages = (by_type[t] for t in RegisterType)

    def link(record_id: str, person: str, party: Party = Party.SUBJECT) -> DecisionInput:
        return DecisionInput(
            record_id=record_id,
            party=party,
            kind=DecisionKind.AUTO_LINK,
            personal_id=person,
            score=14.25,
        )

    def other(record_id: str, kind: DecisionKind, party: Party = Party.SUBJECT) -> DecisionInput:
        actor = STEWARD if kind.value.startswith("steward") else "system"
        return DecisionInput(record_id=record_id, party=party, kind=kind, actor=actor)

    decisions = [
        link(births[0], "001198000001"),
        link(births[1], "001198000002"),
        other(births[2], DecisionKind.SEND_TO_REVIEW),
        other(births[3], DecisionKind.AUTO_NEW_PERSON),
        other(births[4], DecisionKind.STEWARD_REJECT),
        DecisionInput(
            record_id=deaths[0],
            kind=DecisionKind.STEWARD_LINK,
            actor=STEWARD,
            personal_id="001050000003",
        ),
        link(marriages[0], "001075000004", Party.HUSBAND),
        other(marriages[0], DecisionKind.SEND_TO_REVIEW, Party.WIFE),
        link(marriages[1], "001075000005", Party.HUSBAND),
        link(marriages[1], "001178000006", Party.WIFE),
    ]
    expected = {
        births[0]: MatchStatus.AUTO_LINKED,
        births[1]: MatchStatus.AUTO_LINKED,
        births[2]: MatchStatus.UNMATCHED,
        births[3]: MatchStatus.NEW_PERSON,
        births[4]: MatchStatus.REJECTED,
        births[5]: MatchStatus.UNMATCHED,
        deaths[0]: MatchStatus.STEWARD_LINKED,
        deaths[1]: MatchStatus.UNMATCHED,
        marriages[0]: MatchStatus.UNMATCHED,
        marriages[1]: MatchStatus.AUTO_LINKED,
    }
    return decisions, expected
