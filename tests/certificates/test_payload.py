"""The QR payload and the page layout, without a work store."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from certificates.errors import CertificateInvalidError, Failure
from certificates.facts import CertifiedFacts, Fact, facts_digest
from certificates.payload import PREFIX, QrPayload, sign_payload, verify_payload
from certificates.render import ExtractPage, read_facts, render_extract
from civreg.errors import DataValidationError
from schemas.enums import RegisterType

KEY = ec.generate_private_key(ec.SECP256R1())
PAYLOAD = QrPayload(
    certificate_id="0123456789abcdef0123",
    record_id="ab" * 32,
    register_type=RegisterType.DEATH,
    ward_code="00103",
    issue_date=dt.date(2026, 11, 27),
    facts_hash="cd" * 16,
)


def test_a_payload_round_trips_and_stays_compact() -> None:
    text = sign_payload(PAYLOAD, KEY)
    assert text.startswith(PREFIX) and len(text) < 200
    assert verify_payload(text, KEY.public_key()) == PAYLOAD
    other_id = QrPayload(**{**PAYLOAD.__dict__, "record_id": "R-2001-17", "ward_code": None})
    assert verify_payload(sign_payload(other_id, KEY), KEY.public_key()) == other_id


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda t: t.replace(PREFIX, "XYZ1:"), "not a civreg extract code"),
        (lambda t: t[:-3] + ("A" if t[-3] != "A" else "B") + t[-2:], "does not verify"),
        (lambda t: t[: len(PREFIX) + 20], "truncated"),
    ],
)
def test_a_mangled_payload_is_qr_invalid(mangle, words: str) -> None:
    with pytest.raises(CertificateInvalidError) as caught:
        verify_payload(mangle(sign_payload(PAYLOAD, KEY)), KEY.public_key())
    assert caught.value.failure is Failure.QR_INVALID and words in str(caught.value)


def test_the_digest_moves_with_any_fact_or_identity() -> None:
    pairs = [("full_name", "Đỗ Thị Hà"), ("date_of_death", "02/2001")]
    base = facts_digest("r1", RegisterType.DEATH, "00106", pairs)
    assert base == facts_digest("r1", RegisterType.DEATH, "00106", [tuple(p) for p in pairs])
    assert base != facts_digest("r2", RegisterType.DEATH, "00106", pairs)
    assert base != facts_digest("r1", RegisterType.DEATH, "00103", pairs)
    assert base != facts_digest("r1", RegisterType.DEATH, "00106", [pairs[0], ("x", "02/2001")])
    assert base != facts_digest("r1", RegisterType.DEATH, "00106", [("full_name", "Đỗ Thị Hả")])


def test_long_values_wrap_and_read_back_whole_and_too_many_are_refused() -> None:
    place = "Bệnh viện Đa khoa Đức Giang, phường Đức Giang, thành phố Hà Nội, " * 3
    facts = CertifiedFacts(
        "r1",
        RegisterType.DEATH,
        "00106",
        "Phường Tây Hồ",
        (
            Fact("full_name", "Họ, chữ đệm, tên", "Đỗ Thị Hà"),
            Fact("place_of_death", "Nơi chết", place.strip()),
        ),
    )
    page = ExtractPage("00" * 10, dt.date(2026, 11, 27), "UBND Phường Tây Hồ", "CVR1:x")
    assert read_facts(render_extract(facts, page), RegisterType.DEATH) == facts.pairs()
    crowded = CertifiedFacts(
        "r1",
        RegisterType.DEATH,
        "00106",
        "Phường Tây Hồ",
        tuple(Fact("cause_of_death", "Nguyên nhân chết", place * 2) for _ in range(12)),
    )
    with pytest.raises(DataValidationError, match="do not fit on one extract page"):
        render_extract(crowded, page)
