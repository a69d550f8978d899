"""Issued extracts (certificates): what was issued for which record, and what superseded what.

An extract is never replaced in place: issuing for a record whose certified facts changed adds a
new row and marks the one in force ``superseded_by`` it, in the same transaction as both audit
events. A record's certificates are numbered by ``sequence``; two issuers racing for one record
collide on ``(record_id, sequence)`` and the second one fails instead of issuing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from civreg.errors import StoreError
from schemas.enums import DecisionKind, RegisterType
from schemas.store import Candidate, Decision, IssuedCertificate, utcnow
from store._session import Bind, chunks, filtered_by, reading, writing
from store.audit import AuditEntry, append_audit

ISSUE_ACTION = "certificate.issue"
SUPERSEDE_ACTION = "certificate.supersede"


@dataclass(frozen=True)
class StoredCertificate:
    """One issued extract as stored."""

    certificate_id: str
    record_id: str
    sequence: int
    record_version: int
    register_type: RegisterType
    ward_code: str | None
    facts_hash: str
    facts: list[Any]
    issue_date: str
    issued_at: dt.datetime
    issued_by: str
    run_id: str | None
    pdf_path: str
    pdf_sha256: str
    superseded_by: str | None
    superseded_at: dt.datetime | None

    @property
    def in_force(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class NewCertificate:
    """An extract to record (its PDF already written)."""

    certificate_id: str
    record_id: str
    sequence: int
    record_version: int
    register_type: RegisterType
    ward_code: str | None
    facts_hash: str
    facts: list[Any]
    issue_date: str
    issued_by: str
    pdf_path: str
    pdf_sha256: str
    run_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _stored_certificate(row: IssuedCertificate) -> StoredCertificate:
    return StoredCertificate(
        certificate_id=row.certificate_id,
        record_id=row.record_id,
        sequence=row.sequence,
        record_version=row.record_version,
        register_type=row.register_type,
        ward_code=row.ward_code,
        facts_hash=row.facts_hash,
        facts=list(row.facts),
        issue_date=row.issue_date,
        issued_at=row.issued_at,
        issued_by=row.issued_by,
        run_id=row.run_id,
        pdf_path=row.pdf_path,
        pdf_sha256=row.pdf_sha256,
        superseded_by=row.superseded_by,
        superseded_at=row.superseded_at,
    )


def load_certificate(bind: Bind, certificate_id: str) -> StoredCertificate | None:
    """One extract by id, or ``None``."""
    with reading(bind) as session:
        row = session.get(IssuedCertificate, certificate_id)
        return _stored_certificate(row) if row is not None else None


def record_certificates(bind: Bind, record_id: str) -> list[StoredCertificate]:
    """Every extract of a record, oldest first."""
    with reading(bind) as session:
        rows = session.scalars(
            select(IssuedCertificate)
            .where(IssuedCertificate.record_id == record_id)
            .order_by(IssuedCertificate.sequence)
        )
        return [_stored_certificate(row) for row in rows]


def certificates_in_force(
    bind: Bind, record_ids: Iterable[str] | None = None
) -> dict[str, StoredCertificate]:
    """The extract in force (not superseded) per record."""
    statement = select(IssuedCertificate).where(IssuedCertificate.superseded_by.is_(None))
    found: dict[str, StoredCertificate] = {}
    with reading(bind) as session:
        rows = [
            row
            for one in filtered_by(statement, IssuedCertificate.record_id, record_ids)
            for row in session.scalars(one)
        ]
        for row in rows:
            found[row.record_id] = _stored_certificate(row)
    return found


def next_sequences(bind: Bind, record_ids: Iterable[str]) -> dict[str, int]:
    """The sequence the next extract of each record takes (1 for a record never certified)."""
    ids = sorted(set(record_ids))
    found = dict.fromkeys(ids, 1)
    with reading(bind) as session:
        for chunk in chunks(ids):
            rows = session.execute(
                select(IssuedCertificate.record_id, func.max(IssuedCertificate.sequence))
                .where(IssuedCertificate.record_id.in_(chunk))
                .group_by(IssuedCertificate.record_id)
            )
            for record_id, sequence in rows:
                found[record_id] = int(sequence) + 1
    return found


def records_of_run(bind: Bind, run_id: str) -> set[str]:
    """Records that a run matched (it saved their candidates)."""
    with reading(bind) as session:
        statement = select(Candidate.record_id).where(Candidate.run_id == run_id).distinct()
        return set(session.scalars(statement))


def linked_records(bind: Bind, personal_id: str) -> set[str]:
    """Records with a link decision to this person (in force or not: callers check)."""
    with reading(bind) as session:
        return set(
            session.scalars(
                select(Decision.record_id)
                .where(
                    Decision.personal_id == personal_id,
                    Decision.kind.in_([DecisionKind.AUTO_LINK, DecisionKind.STEWARD_LINK]),
                )
                .distinct()
            )
        )


def save_certificate(bind: Bind, new: NewCertificate, supersedes: str | None) -> StoredCertificate:
    """Record an issued extract, supersede the one it replaces, audit both: one transaction."""
    now = utcnow()
    with writing(bind) as session:
        row = IssuedCertificate(
            certificate_id=new.certificate_id,
            record_id=new.record_id,
            sequence=new.sequence,
            record_version=new.record_version,
            register_type=new.register_type,
            ward_code=new.ward_code,
            facts_hash=new.facts_hash,
            facts=new.facts,
            issue_date=new.issue_date,
            issued_at=now,
            issued_by=new.issued_by,
            run_id=new.run_id,
            pdf_path=new.pdf_path,
            pdf_sha256=new.pdf_sha256,
        )
        session.add(row)
        session.flush()
        if supersedes is not None:
            result = session.execute(
                update(IssuedCertificate)
                .where(
                    IssuedCertificate.certificate_id == supersedes,
                    IssuedCertificate.superseded_by.is_(None),
                )
                .values(superseded_by=new.certificate_id, superseded_at=now)
            )
            if result.rowcount != 1:
                raise StoreError(
                    f"certificate {supersedes} of record {new.record_id} is no longer in force: "
                    "another issuance superseded it first"
                )
            append_audit(
                session,
                AuditEntry(
                    actor=new.issued_by,
                    action=SUPERSEDE_ACTION,
                    subject_type="certificate",
                    subject_id=supersedes,
                    detail={
                        "record_id": new.record_id,
                        "superseded_by": new.certificate_id,
                        "record_version": new.record_version,
                    },
                ),
            )
        append_audit(
            session,
            AuditEntry(
                actor=new.issued_by,
                action=ISSUE_ACTION,
                subject_type="record",
                subject_id=new.record_id,
                detail={
                    "certificate_id": new.certificate_id,
                    "record_version": new.record_version,
                    "facts_hash": new.facts_hash,
                    "supersedes": supersedes,
                    "run_id": new.run_id,
                    **new.detail,
                },
            ),
        )
        return _stored_certificate(row)
