"""Batches and documents: ingest recorded once, quarantine kept with its reason, resumable."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine, func, select

from civreg.errors import StoreError
from schemas.enums import BatchStatus, DocumentStatus, QuarantineReason, RegisterType
from schemas.store import Batch, Document
from store import (
    DocumentKey,
    batch_documents,
    mark_document_extracted,
    pending_documents,
    processed_hashes,
    quarantine_document,
    record_ingest,
    register_batch,
    set_batch_status,
    unfinished_batches,
)
from store.batches import UNHASHED


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_ingest_is_recorded_once_with_quarantine_reasons_and_duplicates(
    store_engine: Engine, samples: ModuleType, tmp_path: Path
) -> None:
    result = samples.ingest_result(tmp_path / samples.BATCH_ID)

    first = record_ingest(store_engine, result)
    again = record_ingest(store_engine, result)

    assert (first.new_documents, first.new_quarantined, first.new_duplicates) == (3, 2, 1)
    assert (again.new_documents, again.new_quarantined, again.new_duplicates) == (0, 0, 0)
    assert again.unchanged == 6
    assert _count(store_engine, Document) == 6
    assert _count(store_engine, Batch) == 1
    stored = {d.relative_path: d for d in batch_documents(store_engine, samples.BATCH_ID)}
    encrypted = stored["hong/khoa.pdf"]
    assert encrypted.status is DocumentStatus.QUARANTINED
    assert encrypted.quarantine_reason is QuarantineReason.ENCRYPTED_PDF
    assert encrypted.quarantine_detail == "hong/khoa.pdf: PDF is encrypted (a password is needed)"
    assert stored["hong/khong-doc-duoc.jpg"].sha256 == UNHASHED
    duplicate = stored["khai-sinh/ban-sao.pdf"]
    assert duplicate.status is DocumentStatus.SKIPPED_DUPLICATE
    assert duplicate.quarantine_detail == (
        "khai-sinh/ban-sao.pdf: same content as khai-sinh/so-khai-sinh.pdf"
    )
    assert [d.relative_path for d in first.pending] == sorted(samples.DOCUMENT_PATHS.values())
    assert stored["khai-tu/so-khai-tu.tiff"].sniffed_type == "tiff"
    assert stored["khai-tu/so-khai-tu.tiff"].page_count == 2


def test_processed_hashes_leave_out_pending_documents_so_a_dead_run_resumes(
    store_engine: Engine, samples: ModuleType, tmp_path: Path
) -> None:
    result = samples.ingest_result(tmp_path / samples.BATCH_ID)
    record_ingest(store_engine, result)
    birth = DocumentKey(samples.BATCH_ID, samples.DOCUMENT_PATHS[RegisterType.BIRTH])

    assert processed_hashes(store_engine) == {samples.sha256_of("encrypted")} | {
        samples.document_sha(RegisterType.BIRTH)  # the duplicate's content, skipped
    }
    mark_document_extracted(store_engine, birth)
    quarantine_document(
        store_engine,
        DocumentKey(samples.BATCH_ID, samples.DOCUMENT_PATHS[RegisterType.DEATH]),
        QuarantineReason.LAYOUT_NOT_UNDERSTOOD,
        "khai-tu/so-khai-tu.tiff: page 1 has no header row",
    )

    assert processed_hashes(store_engine) == {
        samples.sha256_of("encrypted"),
        samples.document_sha(RegisterType.BIRTH),
        samples.document_sha(RegisterType.DEATH),
    }
    assert [d.relative_path for d in pending_documents(store_engine, samples.BATCH_ID)] == [
        samples.DOCUMENT_PATHS[RegisterType.MARRIAGE]
    ]


def test_a_file_that_became_readable_is_updated_and_a_changed_file_is_refused(
    store_engine: Engine, samples: ModuleType, tmp_path: Path
) -> None:
    result = samples.ingest_result(tmp_path / samples.BATCH_ID)
    record_ingest(store_engine, result)
    unreadable = result.quarantined[1]
    readable_now = result.model_copy(
        update={
            "quarantined": (
                result.quarantined[0],
                unreadable.model_copy(
                    update={"sha256": samples.sha256_of("now readable"), "detail": "x: corrupt"}
                ),
            )
        }
    )

    recorded = record_ingest(store_engine, readable_now)

    assert recorded.new_quarantined == 1
    stored = {d.relative_path: d for d in batch_documents(store_engine, samples.BATCH_ID)}
    assert stored[unreadable.relative_path].sha256 == samples.sha256_of("now readable")

    changed = result.model_copy(
        update={
            "documents": (
                result.documents[0].model_copy(update={"sha256": samples.sha256_of("edited")}),
            )
        }
    )
    with pytest.raises(StoreError, match=r"khai-sinh/so-khai-sinh\.pdf changed since it was"):
        record_ingest(store_engine, changed)


def test_batch_status_moves_and_unknown_batches_are_reported(store_engine: Engine) -> None:
    assert register_batch(store_engine, "b1", "scans/inbox/b1") is True
    assert register_batch(store_engine, "b1", "scans/inbox/b1") is False
    register_batch(store_engine, "b2", "scans/inbox/b2")
    set_batch_status(store_engine, "b1", BatchStatus.PROCESSED)

    assert unfinished_batches(store_engine) == ["b2"]
    with pytest.raises(StoreError, match="batch 'nope' is not registered"):
        set_batch_status(store_engine, "nope", BatchStatus.FAILED)
    with pytest.raises(StoreError, match=r"document b1/none\.pdf is not in the work store"):
        mark_document_extracted(store_engine, DocumentKey("b1", "none.pdf"))
