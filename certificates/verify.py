"""Verifying an extract: the file, its QR code, and the record it certifies, in that order.

1. The PDF signature is intact, covers the whole file and chains to the configured ward
   certificate (``tampered``, ``unknown_signer``).
2. The QR code is on the page, its payload verifies with the ward's public key, and it certifies
   exactly the facts printed (``qr_invalid``: e.g. a QR code taken from another record's extract).
3. The record is still in the work store, still linked, without a blocking issue
   (``record_withdrawn``), its current facts are the certified ones and the extract was not
   superseded (``record_corrected``).

The first failure raises :class:`~certificates.errors.CertificateInvalidError`, whose exit code
tells which check failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine

from certificates.errors import CertificateInvalidError, Failure
from certificates.facts import facts_digest, labels
from certificates.issue import record_states
from certificates.payload import QrPayload, verify_payload
from certificates.render import read_facts
from certificates.signing import check_signature, read_qr
from store.certificates import load_certificate


@dataclass(frozen=True)
class VerifiedExtract:
    """What a verified extract certifies, and who signed it."""

    certificate_id: str
    record_id: str
    issue_date: dt.date
    signer: str
    facts: list[tuple[str, str]]


@dataclass(frozen=True)
class FileCheck:
    """What checks 1 and 2 read from the file."""

    payload: QrPayload
    signer: str
    printed: list[tuple[str, str]]


def verify_file_only(pdf: bytes, trusted: x509.Certificate, source: str) -> FileCheck:
    """Checks 1 and 2 (no work store): the signed payload, the signer, the printed facts."""
    signature = check_signature(pdf, trusted, source)
    public_key = trusted.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise CertificateInvalidError(
            source, Failure.UNKNOWN_SIGNER, "the trusted ward certificate has no ECDSA key"
        )
    payload = verify_payload(read_qr(pdf, source), public_key, source)
    printed = read_facts(pdf, payload.register_type, source)
    digest = facts_digest(payload.record_id, payload.register_type, payload.ward_code, printed)
    if not payload.certifies(digest):
        raise CertificateInvalidError(
            source,
            Failure.QR_INVALID,
            "the QR code certifies other facts than those printed "
            f"(it names record {payload.record_id}, extract {payload.certificate_id})",
        )
    return FileCheck(payload, signature.signer, printed)


def verify_extract(
    pdf: bytes, store: Engine, trusted: x509.Certificate, source: str = "extract"
) -> VerifiedExtract:
    """Every check; the verified extract, or the first failure raised."""
    checked = verify_file_only(pdf, trusted, source)
    payload, printed = checked.payload, checked.printed
    state = record_states(store, [payload.record_id])[payload.record_id]
    if state.stored is None or state.facts is None:
        raise CertificateInvalidError(
            source,
            Failure.RECORD_WITHDRAWN,
            f"record {payload.record_id} is no longer in the work store",
        )
    if not state.eligible:
        raise CertificateInvalidError(
            source, Failure.RECORD_WITHDRAWN, f"record {payload.record_id}: {state.refusal}"
        )
    if not payload.certifies(state.facts.digest):
        now = dict(state.facts.pairs())
        then = dict(printed)
        changed = [
            label
            for key, label in labels(payload.register_type).items()
            if now.get(key) != then.get(key)
        ]
        raise CertificateInvalidError(
            source,
            Failure.RECORD_CORRECTED,
            f"record {payload.record_id} was corrected since issue: "
            f"{', '.join(changed) or 'its identity fields'} changed",
        )
    certificate = load_certificate(store, payload.certificate_id)
    if certificate is not None and certificate.superseded_by is not None:
        raise CertificateInvalidError(
            source,
            Failure.RECORD_CORRECTED,
            f"extract {payload.certificate_id} was superseded by {certificate.superseded_by}",
        )
    return VerifiedExtract(
        certificate_id=payload.certificate_id,
        record_id=payload.record_id,
        issue_date=payload.issue_date,
        signer=checked.signer,
        facts=printed,
    )
