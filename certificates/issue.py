"""Issuing extracts: eligibility, render, sign, file, record and audit.

Plain functions, used by ``civreg certificate``, the nightly flow and the review app:

- :func:`issue_certificate` issues (or re-issues) the extract of one record;
- :func:`issue_pending` issues for every eligible record whose extract is missing or outdated;
- :func:`certificate_pdf` / :func:`certificate_pdf_bytes` give an issued extract's file.

A record may be certified when it is linked (``auto_linked`` or ``steward_linked``; a marriage
needs both spouses linked) and has no blocking validation issue. An extract in force whose facts
still hold is kept (issuing again is a no-op); when the facts changed (a steward's correction, a
re-link, a re-read record), a new extract is issued and the old one superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.x509.oid import NameOID
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from certificates.errors import CertificateRefusedError
from certificates.facts import CertifiedFacts, certified_facts
from certificates.keys import WardKeys, load_ward_keys
from certificates.payload import CERTIFICATE_ID_BYTES, HASH_BYTES, QrPayload, sign_payload
from certificates.render import ExtractPage, render_extract
from certificates.signing import sign_extract
from civreg.errors import DataValidationError, InputFileError
from civreg.settings import Settings
from schemas.enums import MatchStatus, RegisterType
from schemas.store import Party
from store.certificates import (
    NewCertificate,
    StoredCertificate,
    certificates_in_force,
    linked_records,
    load_certificate,
    next_sequences,
    records_of_run,
    save_certificate,
)
from store.keys import content_hash
from store.matches import PARTIES, StoredDecision, latest_decisions, record_status
from store.records import StoredRecord, load_records, record_keys
from store.review import corrected_fields

log = logging.getLogger(__name__)

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LINKED = frozenset({MatchStatus.AUTO_LINKED, MatchStatus.STEWARD_LINKED})


@dataclass(frozen=True)
class IssueContext:
    """What issuing needs: the work store, the ward's keys, and where extracts are filed."""

    store: Engine
    keys: WardKeys
    certificates_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings, store: Engine) -> IssueContext:
        return cls(store, load_ward_keys(settings), settings.resolved_certificates_dir)

    @property
    def signer_name(self) -> str:
        names = self.keys.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.keys.certificate.subject.rfc4514_string()


@dataclass(frozen=True)
class RecordState:
    """A record as an extract would certify it now, or why it may not be certified."""

    record_id: str
    stored: StoredRecord | None
    status: MatchStatus | None
    facts: CertifiedFacts | None
    refusal: str | None

    @property
    def eligible(self) -> bool:
        return self.refusal is None


def record_states(store: Engine, record_ids: Iterable[str]) -> dict[str, RecordState]:
    """The current facts and eligibility of records, read in a few queries."""
    ids = sorted(set(record_ids))
    stored = {r.record_id: r for r in load_records(store, record_ids=ids)}
    decisions = latest_decisions(store, ids)
    fixes = corrected_fields(store, ids)
    states: dict[str, RecordState] = {}
    for record_id in ids:
        record = stored.get(record_id)
        if record is None:
            states[record_id] = RecordState(
                record_id, None, None, None, "there is no such record in the work store"
            )
            continue
        register_type = record.key.register_type
        parties: dict[Party, StoredDecision | None] = {
            party: decisions.get((record_id, party)) for party in PARTIES[register_type]
        }
        status = record_status(register_type, parties)
        refusal = None
        if status not in LINKED:
            detail = ", ".join(
                f"{party.value} {d.status.value if d else MatchStatus.UNMATCHED.value}"
                for party, d in parties.items()
            )
            refusal = (
                f"it is {status.value} ({detail}); an extract needs a record linked to the "
                "population DB (auto_linked or steward_linked)"
            )
        elif record.record.blocking_issues:
            codes = ", ".join(f"{i.code} on {i.field}" for i in record.record.blocking_issues)
            refusal = f"it has a blocking validation issue ({codes}); resolve it first"
        facts = certified_facts(record.record, parties, fixes.get(record_id))
        states[record_id] = RecordState(record_id, record, status, facts, refusal)
    return states


class IssueOutcome(StrEnum):
    """What issuing did for one record."""

    ISSUED = "issued"  # the record's first extract
    REISSUED = "reissued"  # a new extract; the one in force before is superseded
    UNCHANGED = "unchanged"  # the extract in force still certifies the current facts


@dataclass(frozen=True)
class IssuedExtract:
    """The extract in force for a record after issuing, and how it came to be."""

    outcome: IssueOutcome
    certificate: StoredCertificate
    pdf_path: Path
    superseded: str | None = None

    @property
    def certificate_id(self) -> str:
        return self.certificate.certificate_id


def _today() -> dt.date:
    return dt.datetime.now(LOCAL_ZONE).date()


def certificate_id_of(record_id: str, sequence: int, digest: str) -> str:
    """20 hex digits, the same for the same record, sequence and facts."""
    return content_hash({"record_id": record_id, "sequence": sequence, "facts": digest})[
        : CERTIFICATE_ID_BYTES * 2
    ]


def _relative_path(facts: CertifiedFacts, certificate_id: str, issue_date: dt.date) -> Path:
    ward = facts.ward_code or "no-ward"
    return Path(ward) / str(issue_date.year) / f"{certificate_id}.pdf"


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_extract(
    context: IssueContext, facts: CertifiedFacts, certificate_id: str, issue_date: dt.date
) -> bytes:
    """The signed PDF of an extract (rendered with its signed QR code)."""
    payload = QrPayload(
        certificate_id=certificate_id,
        record_id=facts.record_id,
        register_type=facts.register_type,
        ward_code=facts.ward_code,
        issue_date=issue_date,
        facts_hash=facts.digest[: HASH_BYTES * 2],
    )
    page = ExtractPage(
        certificate_id=certificate_id,
        issue_date=issue_date,
        signer_name=context.signer_name,
        qr_text=sign_payload(payload, context.keys.private_key),
    )
    return sign_extract(render_extract(facts, page), context.keys, facts.ward)


def _issue(
    context: IssueContext,
    state: RecordState,
    in_force: StoredCertificate | None,
    *,
    sequence: int,
    actor: str,
    run_id: str | None,
    today: dt.date | None,
) -> IssuedExtract:
    if not state.eligible or state.facts is None or state.stored is None:
        raise CertificateRefusedError(state.record_id, state.refusal or "not eligible")
    facts = state.facts
    digest = facts.digest
    if in_force is not None and in_force.facts_hash == digest:
        return IssuedExtract(
            IssueOutcome.UNCHANGED, in_force, context.certificates_dir / in_force.pdf_path
        )
    issue_date = today or _today()
    certificate_id = certificate_id_of(state.record_id, sequence, digest)
    pdf = build_extract(context, facts, certificate_id, issue_date)
    relative = _relative_path(facts, certificate_id, issue_date)
    target = context.certificates_dir / relative
    _write_atomically(target, pdf)
    new = NewCertificate(
        certificate_id=certificate_id,
        record_id=state.record_id,
        sequence=sequence,
        record_version=state.stored.version,
        register_type=facts.register_type,
        ward_code=facts.ward_code,
        facts_hash=digest,
        facts=[[fact.key, fact.label, fact.value] for fact in facts.facts],
        issue_date=issue_date.isoformat(),
        issued_by=actor,
        pdf_path=relative.as_posix(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        run_id=run_id,
        detail={"link_status": state.status.value if state.status else None},
    )
    supersedes = in_force.certificate_id if in_force is not None else None
    try:
        stored = save_certificate(context.store, new, supersedes)
    except BaseException:
        target.unlink(missing_ok=True)  # nothing refers to it: no orphan file
        raise
    outcome = IssueOutcome.ISSUED if supersedes is None else IssueOutcome.REISSUED
    log.debug("extract %s %s (%s)", certificate_id, outcome.value, facts.register_type.value)
    return IssuedExtract(outcome, stored, target, supersedes)


def issue_certificate(
    context: IssueContext,
    record_id: str,
    actor: str,
    *,
    run_id: str | None = None,
    today: dt.date | None = None,
) -> IssuedExtract:
    """Issue the extract of one record (or keep the one in force if its facts still hold).

    Raises :class:`~certificates.errors.CertificateRefusedError` with the reason when the
    record may not be certified. ``actor`` is recorded in the audit trail.
    """
    state = record_states(context.store, [record_id])[record_id]
    in_force = certificates_in_force(context.store, [record_id]).get(record_id)
    sequence = next_sequences(context.store, [record_id])[record_id]
    return _issue(
        context, state, in_force, sequence=sequence, actor=actor, run_id=run_id, today=today
    )


def find_record(store: Engine, personal_id: str, register_type: RegisterType) -> str:
    """The record of this type linked (in force) to this person; exactly one, else an error."""
    candidates = linked_records(store, personal_id)
    decisions = latest_decisions(store, candidates)
    keys = {k.record_id: k for k in record_keys(store, register_type)}
    found = sorted(
        {
            record_id
            for (record_id, _party), decision in decisions.items()
            if record_id in keys
            and decision.personal_id == personal_id
            and decision.status in LINKED
        }
    )
    if not found:
        raise DataValidationError(
            f"no {register_type.value} record is linked to personal ID {personal_id}"
        )
    if len(found) > 1:
        raise DataValidationError(
            f"{len(found)} {register_type.value} records are linked to personal ID "
            f"{personal_id}: give the record id ({', '.join(found)})"
        )
    return found[0]


class IssueReport(BaseModel):
    """What a run of :func:`issue_pending` did."""

    issued: int = 0
    reissued: int = 0
    unchanged: int = 0
    refused: int = 0
    refusals: dict[str, int] = Field(default_factory=dict)
    certificate_ids: list[str] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "issued": self.issued,
            "reissued": self.reissued,
            "unchanged": self.unchanged,
            "refused": self.refused,
        }


def _refusal_kind(reason: str) -> str:
    if "blocking" in reason:
        return "blocking_issue"
    if "no such record" in reason:
        return "missing"
    return "not_linked"


def issue_pending(
    context: IssueContext,
    actor: str,
    *,
    record_ids: Iterable[str] | None = None,
    run_id: str | None = None,
    today: dt.date | None = None,
    include_refused: bool = False,
) -> IssueReport:
    """Issue for every linked record (or those given) whose extract is missing or outdated.

    Records that may not be certified are skipped and counted by reason (``refused``) when
    they were asked for by id, or when ``include_refused``; otherwise ineligible records are
    simply not candidates.
    """
    asked = record_ids is not None
    ids = sorted(set(record_ids)) if asked else [k.record_id for k in record_keys(context.store)]
    states = record_states(context.store, ids)
    in_force = certificates_in_force(context.store, ids)
    eligible = [state for state in states.values() if state.eligible and state.facts]
    pending = [
        state
        for state in eligible
        if state.facts is not None
        and (
            state.record_id not in in_force
            or in_force[state.record_id].facts_hash != state.facts.digest
        )
    ]
    sequences = next_sequences(context.store, [s.record_id for s in pending])
    report = IssueReport()
    refusals: Counter[str] = Counter()
    if asked or include_refused:
        refusals.update(
            _refusal_kind(state.refusal or "") for state in states.values() if not state.eligible
        )
    for state in pending:
        issued = _issue(
            context,
            state,
            in_force.get(state.record_id),
            sequence=sequences[state.record_id],
            actor=actor,
            run_id=run_id,
            today=today,
        )
        if issued.outcome is IssueOutcome.ISSUED:
            report.issued += 1
        else:
            report.reissued += 1
        report.certificate_ids.append(issued.certificate_id)
    report.unchanged = len(eligible) - len(pending)
    report.refusals = dict(refusals)
    report.refused = sum(refusals.values())
    log.info(
        "extracts: %d issued, %d reissued, %d unchanged, %d refused",
        report.issued,
        report.reissued,
        report.unchanged,
        report.refused,
    )
    return report


def issue_for_run(context: IssueContext, run_id: str, actor: str = "system") -> IssueReport:
    """Issue for the records a run matched (those whose candidates it saved)."""
    records = records_of_run(context.store, run_id)
    return issue_pending(context, actor, record_ids=records, run_id=run_id)


def certificate_pdf(store: Engine, certificates_dir: Path, certificate_id: str) -> Path:
    """The file of an issued extract; checked against the hash recorded at issue."""
    certificate = load_certificate(store, certificate_id)
    if certificate is None:
        raise DataValidationError(f"no extract {certificate_id} in the work store")
    path = certificates_dir / certificate.pdf_path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(str(path), f"the extract's PDF cannot be read ({exc})") from exc
    if hashlib.sha256(data).hexdigest() != certificate.pdf_sha256:
        raise InputFileError(str(path), "the stored PDF differs from the one issued")
    return path


def certificate_pdf_bytes(store: Engine, certificates_dir: Path, certificate_id: str) -> bytes:
    """The bytes of an issued extract (for a download), checked as :func:`certificate_pdf`."""
    return certificate_pdf(store, certificates_dir, certificate_id).read_bytes()


NIGHTLY_ACTOR = "system:nightly-sync"


def issue_nightly(settings: Settings, store: Engine, run_id: str) -> dict[str, int]:
    """The nightly step: extracts for every record reconciled since the last issue.

    Off unless ``CIVREG_ISSUE_CERTIFICATES`` is true (then ``{}``). Every linked record without
    an extract in force, or whose extract is outdated, gets one; refused records are not
    counted (they are not reconciled yet). Returns the counts for the run's artifacts.
    """
    if not settings.issue_certificates:
        return {}
    context = IssueContext.from_settings(settings, store)
    return issue_pending(context, NIGHTLY_ACTOR, run_id=run_id).counts()
