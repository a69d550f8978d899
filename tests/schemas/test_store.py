"""The work store on SQLite and PostgreSQL: the chain of tables, types, and append-only rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from civreg.db import transaction
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
from schemas.store import (
    AuditEvent,
    Batch,
    Candidate,
    Decision,
    Document,
    OutboxMessage,
    Page,
    Party,
    RawEntryRow,
    RecordRow,
    Run,
    SyncWatermark,
)

SHA = "0f" * 32
ENTRY_ID = "e1" * 32


def _seed(engine: Engine) -> None:
    """One batch with a document, a page, an entry, its record, a candidate and a decision."""
    with transaction(engine) as session:
        batch = Batch(batch_id="2026-11-27-tay-ho", inbox_path="scans/inbox/2026-11-27-tay-ho")
        document = Document(
            batch=batch, relative_path="khai-sinh/1998.pdf", sha256=SHA, sniffed_type="pdf"
        )
        page = Page(
            document=document, page_number=1, page_shape=PageShape.RULED_TABLE, dpi=300, width=2480
        )
        session.add_all([batch, document, page])
        session.flush()
        session.add(
            RawEntryRow(
                entry_id=ENTRY_ID,
                page_id=page.page_id,
                register_type=RegisterType.BIRTH,
                row_index=3,
                fields={"full_name": {"text": "NGUYỄN VĂN AN", "confidence": 0.91}},
                bbox=[10, 20, 300, 60],
            )
        )
        session.flush()
        session.add(
            RecordRow(
                record_id=ENTRY_ID,
                register_type=RegisterType.BIRTH,
                ward_code="00103",
                registration_year=1998,
                record={"kind": "birth"},
                content_hash="aa" * 32,
            )
        )
        session.flush()
        session.add_all(
            [
                Candidate(
                    record_id=ENTRY_ID,
                    party=Party.SUBJECT,
                    personal_id="001098123456",
                    score=14.2,
                    explanation={"name": 6.1},
                    model_version="fs-1",
                ),
                Decision(
                    idempotency_key=f"{ENTRY_ID}:subject:auto_link",
                    record_id=ENTRY_ID,
                    kind=DecisionKind.AUTO_LINK,
                    actor="system",
                    personal_id="001098123456",
                ),
                AuditEvent(
                    actor="system", action="auto_link", subject_type="record", subject_id=ENTRY_ID
                ),
            ]
        )


def test_the_chain_of_tables_round_trips(store_engine: Engine) -> None:
    _seed(store_engine)
    with transaction(store_engine) as session:
        document = session.scalars(select(Document)).one()
        assert document.status is DocumentStatus.PENDING
        assert [p.page_number for p in document.pages] == [1]
        assert document.batch.status is BatchStatus.RECEIVED
        entry = session.get(RawEntryRow, ENTRY_ID)
        assert entry is not None and entry.fields["full_name"]["text"] == "NGUYỄN VĂN AN"
        assert entry.bbox == [10, 20, 300, 60]
        decision = session.scalars(select(Decision)).one()
        assert decision.kind is DecisionKind.AUTO_LINK
        assert decision.created_at.tzinfo is not None
        assert abs(decision.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    with store_engine.connect() as connection:
        stored_kind = connection.execute(text("SELECT kind FROM decisions")).scalar_one()
        assert stored_kind == "auto_link"  # the value, not the Python name


def test_outbox_watermarks_and_runs(store_engine: Engine) -> None:
    later = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with transaction(store_engine) as session:
        session.add_all(
            [
                OutboxMessage(
                    message_id="link:e1:001098123456",
                    kind=ChangeKind.LINK,
                    payload={"personal_id": "001098123456"},
                    next_attempt_at=later,
                ),
                SyncWatermark(name="population.person_changes", value="42"),
                Run(run_id="r1", flow_name="process-batch", counts={"pages": 3}),
            ]
        )
    with transaction(store_engine) as session:
        message = session.get(OutboxMessage, "link:e1:001098123456")
        assert message is not None
        assert message.status is OutboxStatus.PENDING
        assert message.attempts == 0
        assert message.next_attempt_at == later  # same instant, read back in UTC
        assert message.next_attempt_at.utcoffset() == dt.timedelta(0)
        message.status = OutboxStatus.ACKNOWLEDGED
        session.get(SyncWatermark, "population.person_changes").value = "43"
    with transaction(store_engine) as session:
        assert (
            session.get(OutboxMessage, "link:e1:001098123456").status is OutboxStatus.ACKNOWLEDGED
        )
        assert session.get(SyncWatermark, "population.person_changes").value == "43"
        assert session.get(Run, "r1").counts == {"pages": 3}


def test_uniqueness_rules(store_engine: Engine) -> None:
    _seed(store_engine)
    duplicates = [
        Decision(
            idempotency_key=f"{ENTRY_ID}:subject:auto_link",
            record_id=ENTRY_ID,
            kind=DecisionKind.AUTO_LINK,
            actor="system",
        ),
        Candidate(
            record_id=ENTRY_ID,
            party=Party.SUBJECT,
            personal_id="001098123456",
            score=1.0,
            model_version="fs-1",
        ),
    ]
    for duplicate in duplicates:
        with pytest.raises(IntegrityError), transaction(store_engine) as session:
            session.add(duplicate)
    with pytest.raises(IntegrityError), transaction(store_engine) as session:
        page = session.scalars(select(Page)).one()
        session.add(Page(document_id=page.document_id, page_number=1))


def test_naive_timestamps_are_refused(store_engine: Engine) -> None:
    naive = dt.datetime(2026, 1, 1)
    # SQLAlchemy wraps the StoreError raised while binding the value
    with (
        pytest.raises(StatementError, match="naive timestamp"),
        transaction(store_engine) as session,
    ):
        session.add(Run(run_id="r2", flow_name="nightly-sync", started_at=naive))


def test_quarantine_reason_is_stored(store_engine: Engine) -> None:
    with transaction(store_engine) as session:
        batch = Batch(batch_id="b", inbox_path="scans/inbox/b")
        session.add(
            Document(
                batch=batch,
                relative_path="hỏng.pdf",
                sha256=SHA,
                status=DocumentStatus.QUARANTINED,
                quarantine_reason=QuarantineReason.ENCRYPTED_PDF,
                quarantine_detail="hỏng.pdf: the PDF asks for a password",
            )
        )
    with transaction(store_engine) as session:
        document = session.scalars(select(Document).where(Document.sha256 == SHA)).one()
        assert document.quarantine_reason is QuarantineReason.ENCRYPTED_PDF


@pytest.mark.parametrize("model", [Decision, AuditEvent])
def test_orm_refuses_to_change_or_delete_append_only_rows(
    store_engine: Engine, model: type
) -> None:
    _seed(store_engine)
    with pytest.raises(StoreError, match="append-only"), transaction(store_engine) as session:
        row = session.scalars(select(model)).one()
        row.actor = "someone-else"
    with pytest.raises(StoreError, match="append-only"), transaction(store_engine) as session:
        session.delete(session.scalars(select(model)).one())
    with transaction(store_engine) as session:
        assert session.scalars(select(model)).one().actor == "system"


@pytest.mark.parametrize("table", ["decisions", "audit_events"])
def test_database_refuses_update_and_delete_of_append_only_rows(
    store_engine: Engine, table: str
) -> None:
    _seed(store_engine)
    for statement in (f"UPDATE {table} SET actor = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"), store_engine.begin() as connection:
            connection.execute(text(statement))
    with store_engine.connect() as connection:
        assert connection.execute(text(f"SELECT actor FROM {table}")).scalars().all() == ["system"]


def test_core_bulk_update_is_refused_by_the_database(store_engine: Engine) -> None:
    _seed(store_engine)
    with pytest.raises(DBAPIError, match="append-only"), transaction(store_engine) as session:
        session.execute(update(Decision).values(reason="bulk"))
    with pytest.raises(DBAPIError, match="append-only"), transaction(store_engine) as session:
        session.execute(delete(AuditEvent))
