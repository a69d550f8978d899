"""Pages and raw entries: re-saving a page duplicates nothing; entries come back as saved."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine, func, select

from civreg.errors import DataValidationError
from schemas.enums import PageShape, RegisterType
from schemas.records import RawField
from schemas.store import Page, RawEntryRow
from store import DocumentKey, PageMeta, load_raw_entries, record_ingest, save_page_extraction


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


@pytest.fixture
def birth_book(store_engine: Engine, samples: ModuleType, tmp_path: Path) -> DocumentKey:
    record_ingest(store_engine, samples.ingest_result(tmp_path / samples.BATCH_ID))
    return DocumentKey(samples.BATCH_ID, samples.DOCUMENT_PATHS[RegisterType.BIRTH])


def _rows(samples: ModuleType, page_number: int, count: int) -> list:
    return [
        samples.raw_entry(
            RegisterType.BIRTH,
            page_number,
            row,
            {"registration_number": str(row), "full_name": f"Nguyễn Văn {row}"},
        )
        for row in range(1, count + 1)
    ]


def test_resaving_a_page_duplicates_nothing_and_updates_what_changed(
    store_engine: Engine, samples: ModuleType, birth_book: DocumentKey
) -> None:
    meta = PageMeta(page_number=1, dpi=300, width=2480, height=3508, skew_angle=1.7)
    entries = _rows(samples, 1, 4)

    first = save_page_extraction(store_engine, birth_book, meta, entries)
    again = save_page_extraction(store_engine, birth_book, meta, entries)
    reread = [
        *entries[:3],
        entries[3].model_copy(
            update={"fields": {"full_name": RawField(text="Nguyễn Văn Bốn", confidence=0.7)}}
        ),
    ]
    third = save_page_extraction(store_engine, birth_book, meta, reread)

    assert (first.inserted, first.updated, first.unchanged) == (4, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert first.page_id == again.page_id == third.page_id
    assert _count(store_engine, Page) == 1
    assert _count(store_engine, RawEntryRow) == 4
    loaded = load_raw_entries(store_engine, samples.BATCH_ID)
    assert loaded == reread
    assert loaded[0].page_shape is PageShape.RULED_TABLE
    with store_engine.connect() as connection:
        page = connection.execute(select(Page.__table__)).one()
    assert (page.dpi, page.width, page.skew_angle, page.page_shape) == (
        300,
        2480,
        1.7,
        PageShape.RULED_TABLE,
    )


def test_entries_that_claim_another_page_or_file_are_refused(
    store_engine: Engine, samples: ModuleType, birth_book: DocumentKey
) -> None:
    page_two_entry = _rows(samples, 2, 1)
    with pytest.raises(DataValidationError, match=r"provenance\.page_number is 2"):
        save_page_extraction(store_engine, birth_book, PageMeta(page_number=1), page_two_entry)
    death_entry = [samples.raw_entry(RegisterType.DEATH, 1, 1, {"full_name": "Bùi Văn Long"})]
    with pytest.raises(DataValidationError, match=r"provenance\.source_path"):
        save_page_extraction(store_engine, birth_book, PageMeta(page_number=1), death_entry)
    with pytest.raises(DataValidationError, match="page 3 beyond its 2 pages"):
        save_page_extraction(store_engine, birth_book, PageMeta(page_number=3), [])
    missing = DocumentKey(samples.BATCH_ID, "khai-sinh/khong-co.pdf")
    with pytest.raises(DataValidationError, match="was never ingested"):
        save_page_extraction(store_engine, missing, PageMeta(page_number=1), [])
    assert _count(store_engine, RawEntryRow) == 0
    assert _count(store_engine, Page) == 0
