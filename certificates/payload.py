"""The QR code's payload: a compact statement signed with the ward's key, checkable offline.

Layout (all big-endian), then base64url without padding behind the prefix ``CVR1:``::

    body = register type (1 byte: b, d, m) | issue date (2 bytes: days since 2000-01-01)
         | certificate id (10 bytes) | facts hash (16 bytes: the first half of the sha256)
         | record id (1 byte length + bytes; 32 raw bytes when it is 64 hex digits, flag 0x80)
         | ward code (1 byte length + UTF-8)
    text = "CVR1:" + base64url(body + ECDSA-P256-SHA256(body) as r||s, 64 bytes)

A phone with the ward's certificate checks the signature, then compares the hash with the facts
printed (:func:`certificates.facts.facts_digest`), with no network at all.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from certificates.errors import CertificateInvalidError, Failure
from schemas.enums import RegisterType

PREFIX = "CVR1:"
EPOCH = dt.date(2000, 1, 1)
CERTIFICATE_ID_BYTES = 10
HASH_BYTES = 16
SIGNATURE_BYTES = 64
_HEX_ID = re.compile(r"^[0-9a-f]{64}$")
_TYPE_CODES = {RegisterType.BIRTH: b"b", RegisterType.DEATH: b"d", RegisterType.MARRIAGE: b"m"}
_TYPES = {code: register_type for register_type, code in _TYPE_CODES.items()}


@dataclass(frozen=True)
class QrPayload:
    """What the QR code states: which extract, of which record, by which ward, certifying what."""

    certificate_id: str  # 20 hex digits
    record_id: str
    register_type: RegisterType
    ward_code: str | None
    issue_date: dt.date
    facts_hash: str  # hex of the first 16 bytes of the facts' sha256

    def certifies(self, facts_digest: str) -> bool:
        """Whether these are the facts the QR code was signed over."""
        return facts_digest[: HASH_BYTES * 2] == self.facts_hash


def _body(payload: QrPayload) -> bytes:
    if _HEX_ID.match(payload.record_id):
        record = bytes([0x80 | 32]) + bytes.fromhex(payload.record_id)
    else:
        raw = payload.record_id.encode("utf-8")
        if len(raw) > 0x7F:
            raise ValueError(f"record id too long for a QR payload: {payload.record_id}")
        record = bytes([len(raw)]) + raw
    ward = (payload.ward_code or "").encode("utf-8")
    return b"".join(
        [
            _TYPE_CODES[payload.register_type],
            struct.pack(">H", (payload.issue_date - EPOCH).days),
            bytes.fromhex(payload.certificate_id),
            bytes.fromhex(payload.facts_hash),
            record,
            bytes([len(ward)]) + ward,
        ]
    )


def sign_payload(payload: QrPayload, key: ec.EllipticCurvePrivateKey) -> str:
    """The QR text: the body and its signature."""
    body = _body(payload)
    r, s = decode_dss_signature(key.sign(body, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return PREFIX + base64.urlsafe_b64encode(body + signature).decode("ascii").rstrip("=")


def _invalid(source: str, detail: str) -> CertificateInvalidError:
    return CertificateInvalidError(source, Failure.QR_INVALID, detail)


def _parse(body: bytes, source: str) -> QrPayload:
    try:
        register_type = _TYPES[body[:1]]
        (days,) = struct.unpack(">H", body[1:3])
        position = 3
        certificate_id = body[position : position + CERTIFICATE_ID_BYTES].hex()
        position += CERTIFICATE_ID_BYTES
        facts_hash = body[position : position + HASH_BYTES].hex()
        position += HASH_BYTES
        flag = body[position]
        position += 1
        size = flag & 0x7F
        raw_record = body[position : position + size]
        record_id = raw_record.hex() if flag & 0x80 else raw_record.decode("utf-8")
        position += size
        ward_size = body[position]
        ward_code = body[position + 1 : position + 1 + ward_size].decode("utf-8") or None
        if position + 1 + ward_size != len(body) or len(raw_record) != size:
            raise ValueError("length mismatch")
    except (KeyError, IndexError, ValueError, struct.error) as exc:
        raise _invalid(source, f"the QR payload is malformed ({exc})") from exc
    return QrPayload(
        certificate_id=certificate_id,
        record_id=record_id,
        register_type=register_type,
        ward_code=ward_code,
        issue_date=EPOCH + dt.timedelta(days=days),
        facts_hash=facts_hash,
    )


def verify_payload(
    text: str, public_key: ec.EllipticCurvePublicKey, source: str = "QR code"
) -> QrPayload:
    """The payload of a QR text whose signature the ward's key checks; else ``qr_invalid``."""
    if not text.startswith(PREFIX):
        raise _invalid(source, "the QR code is not a civreg extract code")
    encoded = text[len(PREFIX) :]
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as exc:
        raise _invalid(source, "the QR code is not valid base64url") from exc
    if len(blob) <= SIGNATURE_BYTES:
        raise _invalid(source, "the QR payload is truncated")
    body, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise _invalid(
            source, "the QR payload's signature does not verify with the ward's public key"
        ) from exc
    return _parse(body, source)
