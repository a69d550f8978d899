"""The certified facts of an extract: what the page prints, the QR code hashes and verify compares.

Facts come from the stored record, with the link decisions in force (the personal ID printed is
the one the record is linked to) and the stewards' field corrections applied, latest last, as the
export applies them (:mod:`normalize.corrections`: read like the register's text, so a corrected
date keeps its precision; a correction that gives no value leaves the value read). They
are ``(key, label, value)`` triples in the order of the official form; a fact without a value is
left out. Their hash covers the record id, register type, ward code and every ``(key, value)``:
any correction that changes what the extract says changes the hash.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from normalize.corrections import apply_corrections, read_corrections
from schemas.enums import RegisterType, Sex
from schemas.records import CivilRecordBase, Place
from schemas.store import Party
from schemas.values import PartialDate
from store.keys import content_hash
from store.matches import LINKING_KINDS, StoredDecision

FACTS_VERSION = 1

REGISTRATION_FACTS: tuple[tuple[str, str], ...] = (
    ("registration_number", "Số đăng ký"),
    ("registration_date", "Ngày, tháng, năm đăng ký"),
    ("registration_place", "Nơi đăng ký"),
)
"""Facts of the registration itself, printed after the registered facts."""

_PERSON = (
    ("full_name", "Họ, chữ đệm, tên"),
    ("date_of_birth", "Ngày, tháng, năm sinh"),
    ("sex", "Giới tính"),
    ("ethnicity", "Dân tộc"),
    ("nationality", "Quốc tịch"),
)

SUBJECT_FACTS: dict[RegisterType, tuple[tuple[str, str], ...]] = {
    RegisterType.BIRTH: (
        *_PERSON,
        ("place_of_birth", "Nơi sinh"),
        ("hometown", "Quê quán"),
        ("personal_id", "Số định danh cá nhân"),
        ("mother_name", "Họ, chữ đệm, tên người mẹ"),
        ("mother_birth_year", "Năm sinh của mẹ"),
        ("father_name", "Họ, chữ đệm, tên người cha"),
        ("father_birth_year", "Năm sinh của cha"),
        ("parents_residence", "Nơi cư trú của cha mẹ"),
    ),
    RegisterType.DEATH: (
        *_PERSON,
        ("personal_id", "Số định danh cá nhân"),
        ("last_residence", "Nơi cư trú cuối cùng"),
        ("time_of_death", "Giờ, phút chết"),
        ("date_of_death", "Ngày, tháng, năm chết"),
        ("place_of_death", "Nơi chết"),
        ("cause_of_death", "Nguyên nhân chết"),
    ),
    RegisterType.MARRIAGE: tuple(
        (f"{party}_{name}", f"{label} của {word}")
        for party, word in (("husband", "chồng"), ("wife", "vợ"))
        for name, label in (
            ("full_name", "Họ, chữ đệm, tên"),
            ("date_of_birth", "Ngày, tháng, năm sinh"),
            ("ethnicity", "Dân tộc"),
            ("nationality", "Quốc tịch"),
            ("residence", "Nơi cư trú"),
            ("personal_id", "Số định danh cá nhân"),
        )
    ),
}

TITLES: dict[RegisterType, str] = {
    RegisterType.BIRTH: "TRÍCH LỤC KHAI SINH",
    RegisterType.DEATH: "TRÍCH LỤC KHAI TỬ",
    RegisterType.MARRIAGE: "TRÍCH LỤC KẾT HÔN",
}


def labels(register_type: RegisterType) -> dict[str, str]:
    """Label by key, in the order printed."""
    return dict(SUBJECT_FACTS[register_type] + REGISTRATION_FACTS)


@dataclass(frozen=True)
class Fact:
    """One printed line: ``label: value``."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class CertifiedFacts:
    """What an extract certifies about one record, and the hash of it."""

    record_id: str
    register_type: RegisterType
    ward_code: str | None
    ward: str | None
    facts: tuple[Fact, ...]

    @property
    def digest(self) -> str:
        return facts_digest(self.record_id, self.register_type, self.ward_code, self.pairs())

    def pairs(self) -> list[tuple[str, str]]:
        return [(fact.key, fact.value) for fact in self.facts]

    def value(self, key: str) -> str | None:
        return next((fact.value for fact in self.facts if fact.key == key), None)


def text(value: str) -> str:
    """Printed text: NFC (PDF text layers and scans mix NFC and NFD), single-spaced."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def facts_digest(
    record_id: str,
    register_type: RegisterType,
    ward_code: str | None,
    pairs: Iterable[tuple[str, str]],
) -> str:
    """sha256 (hex) of the certified content."""
    return content_hash(
        {
            "v": FACTS_VERSION,
            "record_id": record_id,
            "register_type": register_type.value,
            "ward_code": ward_code,
            "facts": [[key, text(value)] for key, value in pairs],
        }
    )


def format_date(value: PartialDate) -> str:
    """Vietnamese order: 05/03/1998, 03/1998 or 1998."""
    if value.month is None:
        return f"{value.year:04d}"
    if value.day is None:
        return f"{value.month:02d}/{value.year:04d}"
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_value(value: Any) -> str | None:
    """A record value as printed; ``None`` when there is nothing to print."""
    if value is None:
        return None
    if isinstance(value, PartialDate):
        return format_date(value)
    if isinstance(value, Sex):
        return "Nam" if value is Sex.MALE else "Nữ"
    if isinstance(value, Place):
        return text(value.written) or None
    printed = text(str(value))
    return printed or None


def certified_facts(
    record: CivilRecordBase,
    decisions: Mapping[Party, StoredDecision | None],
    corrections: Mapping[str, str | None] | None = None,
) -> CertifiedFacts:
    """The facts an extract of ``record`` certifies now.

    ``decisions`` are the match decisions in force per party (the linked personal ID is the one
    printed); ``corrections`` the stewards' latest value per record field
    (:func:`store.review.corrected_fields`).
    """
    register_type = record.register_type
    corrected = read_corrections(register_type, corrections or {}, record.registration_year)
    record = apply_corrections(record, corrected)
    values: dict[str, str | None] = {}
    for key, _label in SUBJECT_FACTS[register_type]:
        field = getattr(record, key, None)
        values[key] = format_value(field.value) if field is not None else None
    for party, decision in decisions.items():
        if decision is None or decision.kind not in LINKING_KINDS or not decision.personal_id:
            continue
        key = "personal_id" if party is Party.SUBJECT else f"{party.value}_personal_id"
        values[key] = decision.personal_id
    values["registration_number"] = format_value(record.registration_number.value)
    values["registration_date"] = format_value(record.registration_date.value)
    values["registration_place"] = format_value(record.ward)
    known = labels(register_type)
    for key in corrected.readings:  # a steward's value wins over the linked person's ID too
        if key in known:
            values[key] = format_value(getattr(record, key).value)
    facts = tuple(
        Fact(key, label, value)
        for key, label in known.items()
        if (value := values.get(key)) is not None
    )
    return CertifiedFacts(record.record_id, register_type, record.ward_code, record.ward, facts)
