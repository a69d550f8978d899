"""The printed labels of register columns and form lines, and fuzzy matching of read text to them.

Labels follow DOMAIN.md §1 plus the variants seen in older books. A header read by OCR arrives in
any case, with or without diacritics, with a letter or a space wrong, so text is compared on a
folded key (lower case, no diacritics, no punctuation) with rapidfuzz, and a field is taken only
when its best label scores above :data:`MIN_LABEL_SCORE`.

Marriage books name each party's fields twice: under a group header (``Chồng`` / ``Bên vợ``
spanning the party's columns) or with a suffix (``Họ và tên người chồng``, ``Quốc tịch (vợ)``).
Both resolve to ``husband_<field>`` / ``wife_<field>``.

>>> best_field("HO TEN NGUOI DUOC KHAI SINH", RegisterType.BIRTH).field
'full_name'
>>> best_field("Quốc tịch của vợ", RegisterType.MARRIAGE).field
'wife_nationality'
>>> match_party_group("BÊN CHỒNG")
'husband'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from normalize.text import fold
from ocr.engine import FieldKind
from schemas.enums import RegisterType

MIN_LABEL_SCORE = 84.0
"""Least rapidfuzz ratio (0-100) of a header or form label to a field's label."""
MIN_WEAK_LABEL_SCORE = 72.0
"""Least ratio of a label taken when its field is free and clearly its best match."""
MIN_TITLE_SCORE = 80.0
"""Least partial ratio of a page's top line to a book or form title."""

Party = str  # "husband" | "wife"

_COMMON: dict[str, tuple[str, ...]] = {
    "registration_number": ("Số", "Số đăng ký", "STT", "Số thứ tự", "Số TT"),
    "registration_date": ("Ngày, tháng, năm đăng ký", "Ngày đăng ký"),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Ngày sinh"),
    "sex": ("Giới tính",),
    "ethnicity": ("Dân tộc",),
    "nationality": ("Quốc tịch",),
    "personal_id": ("Số định danh cá nhân", "Số ĐDCN"),
    "notes": ("Ghi chú",),
}

FIELD_LABELS: dict[RegisterType, dict[str, tuple[str, ...]]] = {
    RegisterType.BIRTH: {
        **_COMMON,
        "full_name": ("Họ, chữ đệm, tên", "Họ và tên", "Họ tên", "Họ tên người được khai sinh"),
        "place_of_birth": ("Nơi sinh",),
        "hometown": ("Quê quán",),
        "mother_name": ("Họ, chữ đệm, tên người mẹ", "Họ tên mẹ", "Họ và tên mẹ"),
        "mother_birth_year": ("Năm sinh (mẹ)", "Năm sinh mẹ", "Năm sinh của mẹ"),
        "father_name": ("Họ, chữ đệm, tên người cha", "Họ tên cha", "Họ và tên cha"),
        "father_birth_year": ("Năm sinh (cha)", "Năm sinh cha", "Năm sinh của cha"),
        "parents_residence": ("Nơi cư trú", "Nơi cư trú của cha mẹ"),
        "declarant": ("Người đi khai sinh", "Người đi đăng ký"),
    },
    RegisterType.DEATH: {
        **_COMMON,
        "full_name": ("Họ, chữ đệm, tên", "Họ và tên", "Họ tên", "Họ tên người chết"),
        "last_residence": ("Nơi cư trú cuối cùng", "Nơi cư trú"),
        "date_of_death": ("Ngày, tháng, năm chết", "Ngày chết"),
        "time_of_death": ("Đã chết vào lúc", "Giờ, phút chết", "Thời gian chết"),
        "place_of_death": ("Nơi chết",),
        "cause_of_death": ("Nguyên nhân chết",),
        "declarant": ("Người đi khai tử", "Người đi đăng ký"),
    },
    RegisterType.MARRIAGE: {
        "registration_number": _COMMON["registration_number"],
        "registration_date": _COMMON["registration_date"],
        "declarant": ("Người đi đăng ký",),
        "notes": _COMMON["notes"],
    },
}
"""Labels of the fields that are not a marriage party's, per register type."""

PARTY_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ, chữ đệm, tên", "Họ và tên", "Họ tên"),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Ngày sinh"),
    "ethnicity": ("Dân tộc",),
    "nationality": ("Quốc tịch",),
    "residence": ("Nơi cư trú", "Nơi thường trú"),
    "personal_id": ("Số định danh cá nhân", "Số ĐDCN", "Giấy tờ tùy thân"),
}
"""Labels of a marriage party's fields, without the party."""

PARTY_WORDS: dict[Party, str] = {"husband": "chồng", "wife": "vợ"}
PARTY_GROUP_LABELS: dict[Party, tuple[str, ...]] = {
    "husband": ("Chồng", "Bên chồng", "Người chồng"),
    "wife": ("Vợ", "Bên vợ", "Người vợ"),
}
PARTY_SUFFIXES: tuple[str, ...] = (" người {party}", " ({party})", " của {party}", " {party}")

BOOK_TITLES: dict[RegisterType, str] = {
    RegisterType.BIRTH: "SỔ ĐĂNG KÝ KHAI SINH",
    RegisterType.DEATH: "SỔ ĐĂNG KÝ KHAI TỬ",
    RegisterType.MARRIAGE: "SỔ ĐĂNG KÝ KẾT HÔN",
}
FORM_TITLES: dict[RegisterType, tuple[str, ...]] = {
    RegisterType.BIRTH: ("GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH", "TỜ KHAI ĐĂNG KÝ KHAI SINH"),
    RegisterType.DEATH: ("TRÍCH LỤC KHAI TỬ", "GIẤY CHỨNG TỬ", "TỜ KHAI ĐĂNG KÝ KHAI TỬ"),
    RegisterType.MARRIAGE: (
        "GIẤY CHỨNG NHẬN KẾT HÔN",
        "TRÍCH LỤC KẾT HÔN",
        "TỜ KHAI ĐĂNG KÝ KẾT HÔN",
    ),
}

_NUMBER_FIELDS = frozenset({"registration_number", "personal_id", "birth_year"})
_NAME_FIELDS = frozenset({"full_name", "mother_name", "father_name", "declarant"})
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def label_key(text: str) -> str:
    """The comparison key of a label: folded, punctuation gone, single spaces.

    >>> label_key("Ngày, tháng, năm SINH (mẹ)")
    'ngay thang nam sinh me'
    """
    return " ".join(_NOT_KEY.sub(" ", fold(text)).split())


def field_kind(field: str) -> FieldKind:
    """How a field's cells are recognised: digits only, names without dictionary, or text."""
    base = base_field(field)
    if base in _NUMBER_FIELDS or base.endswith("_birth_year"):
        return FieldKind.NUMBER
    if base in _NAME_FIELDS:
        return FieldKind.NAME
    return FieldKind.TEXT


def base_field(field: str) -> str:
    """The field without its marriage party: ``wife_full_name`` -> ``full_name``."""
    for party in PARTY_WORDS:
        if field.startswith(f"{party}_"):
            return field.removeprefix(f"{party}_")
    return field


def fields_of(register_type: RegisterType) -> tuple[str, ...]:
    """Every field a register type's pages can label."""
    own = tuple(FIELD_LABELS[register_type])
    if register_type is not RegisterType.MARRIAGE:
        return own
    parties = tuple(f"{party}_{base}" for party in PARTY_WORDS for base in PARTY_FIELD_LABELS)
    return own + parties


@cache
def _variant_keys(register_type: RegisterType, party: Party | None) -> dict[str, tuple[str, ...]]:
    """Folded label variants per field; under a party group header, the party's bare labels."""
    variants: dict[str, list[str]] = {
        field: [label_key(label) for label in labels]
        for field, labels in FIELD_LABELS[register_type].items()
    }
    if register_type is RegisterType.MARRIAGE:
        for who, word in PARTY_WORDS.items():
            for base, labels in PARTY_FIELD_LABELS.items():
                keys = variants.setdefault(f"{who}_{base}", [])
                for label in labels:
                    keys.extend(label_key(label + s.format(party=word)) for s in PARTY_SUFFIXES)
                    if who == party:
                        keys.append(label_key(label))
    return {field: tuple(dict.fromkeys(keys)) for field, keys in variants.items()}


def _ratio(key: str, variant: str) -> float:
    """Fuzzy ratio that forgives spaces OCR added or dropped ("KHAISINH")."""
    spaced = fuzz.ratio(key, variant)
    if spaced >= 100:
        return spaced
    return max(spaced, fuzz.ratio(key.replace(" ", ""), variant.replace(" ", "")) - 2)


def field_scores(
    text: str, register_type: RegisterType, party: Party | None = None
) -> dict[str, float]:
    """Each field's best label ratio (0-100) against ``text``."""
    key = label_key(text)
    if not key:
        return {}
    return {
        field: max(_ratio(key, variant) for variant in variants)
        for field, variants in _variant_keys(register_type, party).items()
    }


@dataclass(frozen=True)
class LabelMatch:
    """A read label taken for a field, with its score (0-100)."""

    field: str
    score: float


def best_field(
    text: str, register_type: RegisterType, party: Party | None = None
) -> LabelMatch | None:
    """The field whose label ``text`` reads as, or ``None`` below :data:`MIN_LABEL_SCORE`."""
    scores = field_scores(text, register_type, party)
    if not scores:
        return None
    field = max(scores, key=lambda name: scores[name])
    if scores[field] < MIN_LABEL_SCORE:
        return None
    return LabelMatch(field, scores[field])


def assign_fields(
    labels: Mapping[int, Iterable[tuple[str, Party | None]]], register_type: RegisterType
) -> dict[int, LabelMatch]:
    """Fields for labelled slots (columns), each field used once, best pairs first.

    ``labels`` gives, per slot, the readings of its label worth trying (e.g. a sub-header alone
    and joined to its group header), each with the party it is under. A slot whose best score
    is only fair (:data:`MIN_WEAK_LABEL_SCORE`, an OCR slip in a short label: "So dang" for
    "Số đăng ký") still gets its field when the field is free and no other field comes close.
    Slots left out matched nothing well enough: the caller keeps them as extra columns.
    """
    scores: dict[int, dict[str, float]] = {}
    for slot, readings in labels.items():
        best: dict[str, float] = {}
        for text, party in readings:
            for field, score in field_scores(text, register_type, party).items():
                best[field] = max(best.get(field, 0.0), score)
        scores[slot] = best
    candidates = [
        (score, slot, field)
        for slot, best in scores.items()
        for field, score in best.items()
        if score >= MIN_LABEL_SCORE
    ]
    assigned: dict[int, LabelMatch] = {}
    taken: set[str] = set()
    for score, slot, field in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if slot in assigned or field in taken:
            continue
        assigned[slot] = LabelMatch(field, score)
        taken.add(field)
    for slot, best in sorted(scores.items()):
        if slot in assigned or not best:
            continue
        ranked = sorted(best.items(), key=lambda item: -item[1])
        field, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score >= MIN_WEAK_LABEL_SCORE and field not in taken and score - runner_up >= 8:
            assigned[slot] = LabelMatch(field, score)
            taken.add(field)
    return assigned


def match_party_group(text: str) -> Party | None:
    """The party a group header names ("Chồng", "BÊN VỢ"), or ``None``."""
    key = label_key(text)
    if not key:
        return None
    scores = {
        party: max(fuzz.ratio(key, label_key(label)) for label in labels)
        for party, labels in PARTY_GROUP_LABELS.items()
    }
    party = max(scores, key=lambda name: scores[name])
    return party if scores[party] >= 85 else None


@dataclass(frozen=True)
class TitleMatch:
    """A title line recognised: the register type, and whether it heads a form or a book."""

    register_type: RegisterType
    is_form: bool
    score: float


@cache
def _title_keys() -> tuple[tuple[str, RegisterType, bool], ...]:
    books = [(label_key(t), kind, False) for kind, t in BOOK_TITLES.items()]
    forms = [(label_key(t), kind, True) for kind, ts in FORM_TITLES.items() for t in ts]
    return tuple(books + forms)


def match_title(text: str) -> TitleMatch | None:
    """The book or form title ``text`` holds (it may hold more, e.g. the ward), or ``None``."""
    key = label_key(text)
    if len(key) < 6:
        return None
    best: TitleMatch | None = None
    for title, register_type, is_form in _title_keys():
        if len(key) < len(title) * 0.7:
            continue
        score = fuzz.partial_ratio(title, key) if len(key) > len(title) else fuzz.ratio(title, key)
        if score >= MIN_TITLE_SCORE and (best is None or score > best.score):
            best = TitleMatch(register_type, is_form, score)
    return best
