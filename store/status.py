"""Counts per stage of the pipeline: what ``civreg status`` and the flows' artifacts show."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel
from sqlalchemy import func, select

from schemas.enums import DecisionKind, DocumentStatus, MatchStatus, OutboxStatus
from schemas.store import Batch, Document, OutboxMessage, Page, RawEntryRow, RecordRow
from store._session import Bind, reading
from store.matches import PARTIES, latest_decisions, record_status
from store.outbox import DUE_STATUSES
from store.runs import get_watermark

EXPORTED_ROWS_WATERMARK = "export.rows"
"""Rows in the Parquet export after the last export run (set by the export)."""
TO_REVIEW = "to_review"


class StageCounts(BaseModel):
    """How many of each thing the work store holds; match counts are per record."""

    batches: int = 0
    documents: int = 0
    quarantined: int = 0
    duplicates: int = 0
    pages: int = 0
    entries: int = 0
    records: int = 0
    blocked: int = 0
    unmatched: int = 0
    to_review: int = 0
    auto_linked: int = 0
    steward_linked: int = 0
    new_person: int = 0
    rejected: int = 0
    exported: int = 0
    outbox_pending: int = 0
    outbox_acknowledged: int = 0
    outbox_failed: int = 0

    def by_status(self) -> dict[MatchStatus, int]:
        """Records per export status (``unmatched`` includes those waiting for review)."""
        return {
            MatchStatus.AUTO_LINKED: self.auto_linked,
            MatchStatus.STEWARD_LINKED: self.steward_linked,
            MatchStatus.NEW_PERSON: self.new_person,
            MatchStatus.UNMATCHED: self.unmatched + self.to_review,
            MatchStatus.REJECTED: self.rejected,
        }

    def table_rows(self) -> list[tuple[str, str, int]]:
        """(stage, what, count) rows in pipeline order, for a table."""
        return [
            ("ingest", "batches", self.batches),
            ("ingest", "documents", self.documents),
            ("ingest", "quarantined", self.quarantined),
            ("ingest", "duplicates skipped", self.duplicates),
            ("OCR", "pages", self.pages),
            ("OCR", "entries", self.entries),
            ("normalize", "records", self.records),
            ("normalize", "with blocking issues", self.blocked),
            ("match", "not matched yet", self.unmatched),
            ("match", "to review", self.to_review),
            ("match", "auto-linked", self.auto_linked),
            ("match", "steward-linked", self.steward_linked),
            ("match", "new person", self.new_person),
            ("match", "rejected", self.rejected),
            ("export", "exported rows", self.exported),
            ("sync", "outbox pending", self.outbox_pending),
            ("sync", "outbox acknowledged", self.outbox_acknowledged),
            ("sync", "outbox failed", self.outbox_failed),
        ]


def stage_counts(bind: Bind) -> StageCounts:
    """Count everything in one read."""
    with reading(bind) as session:
        documents = Counter(
            dict(
                session.execute(
                    select(Document.status, func.count()).group_by(Document.status)
                ).all()
            )
        )
        outbox = Counter(
            dict(
                session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
        )
        records = list(session.execute(select(RecordRow.record_id, RecordRow.register_type)))
        decisions = latest_decisions(session)
        match: Counter[str] = Counter()
        for record_id, register_type in records:
            parties = {p: decisions.get((record_id, p)) for p in PARTIES[register_type]}
            status = record_status(register_type, parties)
            in_review = any(
                d is not None and d.kind is DecisionKind.SEND_TO_REVIEW for d in parties.values()
            )
            match[TO_REVIEW if status is MatchStatus.UNMATCHED and in_review else status.value] += 1
        exported = get_watermark(session, EXPORTED_ROWS_WATERMARK, "0")
        return StageCounts(
            batches=session.scalar(select(func.count()).select_from(Batch)) or 0,
            documents=sum(documents.values()) - documents[DocumentStatus.SKIPPED_DUPLICATE],
            quarantined=documents[DocumentStatus.QUARANTINED],
            duplicates=documents[DocumentStatus.SKIPPED_DUPLICATE],
            pages=session.scalar(select(func.count()).select_from(Page)) or 0,
            entries=session.scalar(select(func.count()).select_from(RawEntryRow)) or 0,
            records=len(records),
            blocked=session.scalar(
                select(func.count()).select_from(RecordRow).where(RecordRow.blocking)
            )
            or 0,
            unmatched=match[MatchStatus.UNMATCHED.value],
            to_review=match[TO_REVIEW],
            auto_linked=match[MatchStatus.AUTO_LINKED.value],
            steward_linked=match[MatchStatus.STEWARD_LINKED.value],
            new_person=match[MatchStatus.NEW_PERSON.value],
            rejected=match[MatchStatus.REJECTED.value],
            exported=int(exported or 0),
            outbox_pending=sum(outbox[s] for s in DUE_STATUSES),
            outbox_acknowledged=outbox[OutboxStatus.ACKNOWLEDGED],
            outbox_failed=outbox[OutboxStatus.FAILED],
        )
