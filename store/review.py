"""What the review app reads and writes beyond decisions: item locks, the queues, uploads, stats.

A lock is one row per record: taking it is an insert-if-missing then one conditional ``UPDATE``
(free, expired, or already ours), so the database decides between two stewards who open the
same item at once, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from schemas.enums import BatchStatus, DecisionKind, DocumentStatus, MatchStatus, RegisterType
from schemas.store import (
    AuditEvent,
    Batch,
    BatchUpload,
    Decision,
    Document,
    Page,
    Party,
    RawEntryRow,
    RecordRow,
    ReviewLock,
    UploadState,
    utcnow,
)
from store._session import Bind, filtered_by, insert_missing, reading, writing
from store.matches import (
    CORRECTION_KINDS,
    PARTIES,
    STEWARD_KINDS,
    StoredDecision,
    latest_decisions,
    record_status,
)

_LOCKS = ReviewLock.__table__


# --- locks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    """Who holds an item after an attempt to take it, and until when."""

    acquired: bool
    holder: str
    expires_at: dt.datetime


def acquire_lock(bind: Bind, record_id: str, holder: str, ttl: dt.timedelta) -> LockState:
    """Take (or extend) the item's lock for ``holder`` unless another holds an unexpired one."""
    now = utcnow()
    with writing(bind) as session:
        insert_missing(
            session,
            _LOCKS,
            [{"record_id": record_id, "holder": holder, "acquired_at": now, "expires_at": now}],
            ["record_id"],
            "record_id",
        )
        taken = session.execute(
            update(_LOCKS)
            .where(_LOCKS.c.record_id == record_id)
            .where(or_(_LOCKS.c.holder == holder, _LOCKS.c.expires_at <= now))
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        row = session.execute(
            select(_LOCKS.c.holder, _LOCKS.c.expires_at).where(_LOCKS.c.record_id == record_id)
        ).one()
        return LockState(taken.rowcount == 1, row.holder, row.expires_at)


def release_lock(bind: Bind, record_id: str, holder: str) -> None:
    """Give an item back (a no-op unless ``holder`` holds it)."""
    with writing(bind) as session:
        session.execute(
            delete(_LOCKS).where(_LOCKS.c.record_id == record_id, _LOCKS.c.holder == holder)
        )


def active_locks(bind: Bind) -> dict[str, LockState]:
    """Unexpired locks by record id."""
    now = utcnow()
    with reading(bind) as session:
        return {
            row.record_id: LockState(True, row.holder, row.expires_at)
            for row in session.execute(select(_LOCKS).where(_LOCKS.c.expires_at > now))
        }


# --- queues ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """What a steward narrowed the queue to (``None``: any)."""

    register_type: RegisterType | None = None
    ward_code: str | None = None
    batch_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """A record waiting for a steward: its open parties and why they wait."""

    record_id: str
    register_type: RegisterType
    ward: str | None
    ward_code: str | None
    batch_id: str
    registration_year: int | None
    parties: tuple[Party, ...]
    reasons: tuple[str, ...]
    score: float | None
    locked_by: str | None = None
    locked_until: dt.datetime | None = None


@dataclass
class RecordMeta:
    """Where a record sits: batch, register, ward."""

    record_id: str
    register_type: RegisterType
    ward_code: str | None
    registration_year: int | None
    batch_id: str
    ward: str | None = None


def record_meta(bind: Bind, record_ids: Iterable[str] | None = None) -> dict[str, RecordMeta]:
    """Batch, register type and ward of records (all of them when ``record_ids`` is None)."""
    statement = (
        select(
            RecordRow.record_id,
            RecordRow.register_type,
            RecordRow.ward_code,
            RecordRow.registration_year,
            Document.batch_id,
            RecordRow.record,
            RawEntryRow.book_ward,
        )
        .join(RawEntryRow, RawEntryRow.entry_id == RecordRow.record_id)
        .join(Page, Page.page_id == RawEntryRow.page_id)
        .join(Document, Document.document_id == Page.document_id)
    )
    statements = filtered_by(statement, RecordRow.record_id, record_ids)
    with reading(bind) as session:
        return {
            row.record_id: RecordMeta(
                record_id=row.record_id,
                register_type=RegisterType(row.register_type),
                ward_code=row.ward_code,
                registration_year=row.registration_year,
                batch_id=row.batch_id,
                # An old ward that was split has no new name: the book's own says where.
                ward=(row.record or {}).get("ward") or row.book_ward,
            )
            for one in statements
            for row in session.execute(one)
        }


def open_parties(
    register_type: RegisterType, record_id: str, decisions: dict[tuple[str, Party], StoredDecision]
) -> list[tuple[Party, StoredDecision]]:
    """Parties of a record whose decision in force sends them to a steward."""
    found = []
    for party in PARTIES[register_type]:
        decision = decisions.get((record_id, party))
        if decision is not None and decision.kind is DecisionKind.SEND_TO_REVIEW:
            found.append((party, decision))
    return found


def review_queue(bind: Bind, filters: QueueFilter | None = None) -> list[QueueItem]:
    """Records with a party waiting for a steward, oldest batch first, filtered."""
    filters = filters or QueueFilter()
    with reading(bind) as session:
        decisions = latest_decisions(session)
        waiting = {
            record_id
            for (record_id, _), d in decisions.items()
            if d.kind is DecisionKind.SEND_TO_REVIEW
        }
        metas = record_meta(session, waiting) if waiting else {}
        locks = active_locks(session)
    items = []
    for record_id, meta in metas.items():
        parties = open_parties(meta.register_type, record_id, decisions)
        if not parties:
            continue
        reasons = tuple(sorted({d.reason or "" for _, d in parties}))
        if filters.register_type is not None and meta.register_type is not filters.register_type:
            continue
        if filters.ward_code and filters.ward_code not in (meta.ward_code, meta.ward):
            continue
        if filters.batch_id and meta.batch_id != filters.batch_id:
            continue
        if filters.reason and filters.reason not in reasons:
            continue
        scores = [d.score for _, d in parties if d.score is not None]
        lock = locks.get(record_id)
        items.append(
            QueueItem(
                record_id=record_id,
                register_type=meta.register_type,
                ward=meta.ward,
                ward_code=meta.ward_code,
                batch_id=meta.batch_id,
                registration_year=meta.registration_year,
                parties=tuple(p for p, _ in parties),
                reasons=reasons,
                score=max(scores) if scores else None,
                locked_by=lock.holder if lock else None,
                locked_until=lock.expires_at if lock else None,
            )
        )
    items.sort(key=lambda i: (i.batch_id, i.register_type.value, i.record_id))
    return items


@dataclass(frozen=True)
class QueueFacets:
    """The values each queue filter can take (for the filter menus)."""

    register_types: list[str]
    wards: list[tuple[str, str]]
    batches: list[str]
    reasons: list[str]


def queue_facets(items: list[QueueItem]) -> QueueFacets:
    """Filter menu choices from an unfiltered queue."""
    return QueueFacets(
        register_types=sorted({i.register_type.value for i in items}),
        wards=sorted(
            {(i.ward_code or i.ward, i.ward or i.ward_code) for i in items if i.ward or i.ward_code}
        ),
        batches=sorted({i.batch_id for i in items}),
        reasons=sorted({r for i in items for r in i.reasons if r}),
    )


CORRECTION_ALIASES = {"permanent_residence": "residence"}
"""Population DB field names a spouse's correction may use, by the marriage record's name."""


def correction_target(party: Party | str, payload: dict[str, Any]) -> str | None:
    """The record field a correction sets: its ``record_field``, else its population DB
    ``field`` with the spouse's prefix (``husband_full_name``); ``None`` when it names none."""
    named = payload.get("record_field")
    if named:
        return str(named)
    field_name = payload.get("field")
    if not field_name:
        return None
    party = Party(party)
    if party is Party.SUBJECT:
        return str(field_name)
    return f"{party.value}_{CORRECTION_ALIASES.get(field_name, field_name)}"


def corrected_fields(
    bind: Bind, record_ids: Iterable[str] | None = None
) -> dict[str, dict[str, str | None]]:
    """Per record (of ``record_ids``, or every one), the latest value stewards gave each field
    they corrected, by record field name."""
    statement = select(
        Decision.decision_id, Decision.record_id, Decision.party, Decision.payload
    ).where(Decision.kind.in_(sorted(CORRECTION_KINDS)))
    statements = filtered_by(statement, Decision.record_id, record_ids)
    with reading(bind) as session:
        rows = [row for one in statements for row in session.execute(one)]
    by_record: dict[str, list[tuple[Party | str, dict[str, Any]]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.decision_id):
        by_record[row.record_id].append((row.party, row.payload or {}))
    return {
        record_id: latest
        for record_id, corrections in by_record.items()
        if (latest := latest_corrections(corrections))
    }


def latest_corrections(
    corrections: Iterable[tuple[Party | str, dict[str, Any]]],
) -> dict[str, str | None]:
    """The value each record field takes from ``(party, payload)`` corrections given oldest
    first: the latest one wins; a payload naming no field is skipped."""
    latest: dict[str, str | None] = {}
    for party, payload in corrections:
        name = correction_target(party, payload)
        if name:
            latest[name] = payload.get("value")
    return latest


# --- uploads and batches --------------------------------------------------------------------


@dataclass(frozen=True)
class UploadInfo:
    """A batch uploaded through the app."""

    batch_id: str
    uploaded_by: str
    files: int
    size_bytes: int
    state: UploadState
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _upload(row: BatchUpload) -> UploadInfo:
    return UploadInfo(
        row.batch_id,
        row.uploaded_by,
        row.files,
        row.size_bytes,
        UploadState(row.state),
        row.error,
        row.created_at,
        row.started_at,
        row.finished_at,
    )


def batch_id_taken(bind: Bind, batch_id: str) -> bool:
    """Whether a batch (uploaded or dropped in the inbox) already has this id."""
    with reading(bind) as session:
        return (
            session.get(BatchUpload, batch_id) is not None
            or session.get(Batch, batch_id) is not None
        )


def add_upload(bind: Bind, batch_id: str, uploaded_by: str, files: int, size_bytes: int) -> None:
    """Record an uploaded batch, queued for its run."""
    with writing(bind) as session:
        session.add(
            BatchUpload(
                batch_id=batch_id,
                uploaded_by=uploaded_by,
                files=files,
                size_bytes=size_bytes,
                state=UploadState.QUEUED,
                created_at=utcnow(),
            )
        )


def set_upload_state(
    bind: Bind, batch_id: str, state: UploadState, error: str | None = None
) -> None:
    """Move an upload's run along (running, done, failed with the error)."""
    now = utcnow()
    values: dict[str, Any] = {"state": state, "error": error}
    if state is UploadState.RUNNING:
        values["started_at"] = now
    if state in (UploadState.DONE, UploadState.FAILED):
        values["finished_at"] = now
    with writing(bind) as session:
        session.execute(
            update(BatchUpload).where(BatchUpload.batch_id == batch_id).values(**values)
        )


def uploads(bind: Bind) -> dict[str, UploadInfo]:
    """Every uploaded batch by id."""
    with reading(bind) as session:
        return {r.batch_id: _upload(r) for r in session.scalars(select(BatchUpload))}


@dataclass(frozen=True)
class QuarantinedFile:
    """A file of a batch that could not be read, and why."""

    relative_path: str
    reason: str
    detail: str | None


@dataclass
class BatchProgress:
    """A batch's files, pages and records, and where its records stand."""

    batch_id: str
    status: str
    inbox_path: str | None
    documents: int = 0
    extracted: int = 0
    pending: int = 0
    duplicates: int = 0
    pages: int = 0
    records: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    quarantined: list[QuarantinedFile] = field(default_factory=list)
    upload: UploadInfo | None = None

    @property
    def percent_read(self) -> int:
        """Files done (read, quarantined or skipped) out of all files."""
        done = self.documents - self.pending
        return round(100 * done / self.documents) if self.documents else 0


def _record_statuses(session: Any, metas: dict[str, RecordMeta]) -> dict[str, str]:
    decisions = latest_decisions(session, metas) if metas else {}
    statuses = {}
    for record_id, meta in metas.items():
        parties = {p: decisions.get((record_id, p)) for p in PARTIES[meta.register_type]}
        status = record_status(meta.register_type, parties).value
        if status == MatchStatus.UNMATCHED.value and any(
            d is not None and d.kind is DecisionKind.SEND_TO_REVIEW for d in parties.values()
        ):
            status = "to_review"
        statuses[record_id] = status
    return statuses


def batch_progress(bind: Bind, batch_id: str | None = None) -> list[BatchProgress]:
    """Progress of every batch (or one), uploaded ones included before their run starts."""
    with reading(bind) as session:
        batches = session.scalars(
            select(Batch).where(Batch.batch_id == batch_id) if batch_id else select(Batch)
        ).all()
        by_id: dict[str, BatchProgress] = {
            b.batch_id: BatchProgress(b.batch_id, BatchStatus(b.status).value, b.inbox_path)
            for b in batches
        }
        for upload in uploads(session).values():
            if batch_id and upload.batch_id != batch_id:
                continue
            progress = by_id.setdefault(
                upload.batch_id, BatchProgress(upload.batch_id, upload.state.value, None)
            )
            progress.upload = upload
        documents = session.scalars(
            select(Document).where(Document.batch_id.in_(list(by_id)))
        ).all()
        for document in documents:
            progress = by_id[document.batch_id]
            status = DocumentStatus(document.status)
            if status is DocumentStatus.SKIPPED_DUPLICATE:
                progress.duplicates += 1
            progress.documents += 1
            if status is DocumentStatus.PENDING:
                progress.pending += 1
            if status is DocumentStatus.EXTRACTED:
                progress.extracted += 1
            if status is DocumentStatus.QUARANTINED:
                progress.quarantined.append(
                    QuarantinedFile(
                        document.relative_path,
                        document.quarantine_reason.value if document.quarantine_reason else "",
                        document.quarantine_detail,
                    )
                )
        for bid, pages in session.execute(
            select(Document.batch_id, func.count(Page.page_id))
            .join(Page, Page.document_id == Document.document_id)
            .where(Document.batch_id.in_(list(by_id)))
            .group_by(Document.batch_id)
        ):
            by_id[bid].pages = pages
        metas = {rid: meta for rid, meta in record_meta(session).items() if meta.batch_id in by_id}
        for record_id, status in _record_statuses(session, metas).items():
            progress = by_id[metas[record_id].batch_id]
            progress.records += 1
            progress.statuses[status] += 1
    return sorted(by_id.values(), key=lambda p: p.batch_id)


# --- audit and throughput -------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One audit event as listed to admins."""

    event_id: int
    actor: str
    action: str
    subject_type: str
    subject_id: str
    detail: dict[str, Any]
    created_at: dt.datetime


def audit_log(
    bind: Bind, *, actor: str | None = None, limit: int = 200, before: int | None = None
) -> list[AuditRow]:
    """Audit events, newest first (optionally one actor's, older than event ``before``)."""
    statement = select(AuditEvent).order_by(AuditEvent.event_id.desc()).limit(limit)
    if actor:
        statement = statement.where(AuditEvent.actor == actor)
    if before is not None:
        statement = statement.where(AuditEvent.event_id < before)
    with reading(bind) as session:
        return [
            AuditRow(
                e.event_id,
                e.actor,
                e.action,
                e.subject_type,
                e.subject_id,
                dict(e.detail or {}),
                e.created_at,
            )
            for e in session.scalars(statement)
        ]


@dataclass(frozen=True)
class DailyThroughput:
    """One day: decisions stewards made, and the share of system decisions that auto-linked."""

    day: dt.date
    steward_decisions: int
    system_decisions: int
    auto_links: int

    @property
    def auto_link_rate(self) -> float | None:
        return self.auto_links / self.system_decisions if self.system_decisions else None


def daily_throughput(bind: Bind, days: int = 30) -> list[DailyThroughput]:
    """Per UTC day of the last ``days`` days with any decision, oldest first."""
    since = utcnow() - dt.timedelta(days=days)
    steward: Counter[dt.date] = Counter()
    system: Counter[dt.date] = Counter()
    auto: Counter[dt.date] = Counter()
    with reading(bind) as session:
        for raw_kind, created_at in session.execute(
            select(Decision.kind, Decision.created_at).where(Decision.created_at >= since)
        ):
            day = created_at.date()
            kind = DecisionKind(raw_kind)
            if kind in STEWARD_KINDS:
                steward[day] += 1
            else:
                system[day] += 1
                auto[day] += kind is DecisionKind.AUTO_LINK
    return [
        DailyThroughput(day, steward[day], system[day], auto[day])
        for day in sorted(set(steward) | set(system))
    ]
