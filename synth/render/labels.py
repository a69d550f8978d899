"""What is printed around the values: titles, header labels and the choice and order of columns.

Labels follow DOMAIN.md §1. Each page draws its own variant of every label, its own letter case
(sometimes without diacritics) and, for older books, its own subset of the optional columns, so
that readers cannot rely on fixed positions or fixed wording.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np

from schemas.enums import RegisterType

BOOK_TITLES: dict[RegisterType, str] = {
    RegisterType.BIRTH: "SỔ ĐĂNG KÝ KHAI SINH",
    RegisterType.DEATH: "SỔ ĐĂNG KÝ KHAI TỬ",
    RegisterType.MARRIAGE: "SỔ ĐĂNG KÝ KẾT HÔN",
}

FORM_TITLES: dict[RegisterType, tuple[str, ...]] = {
    RegisterType.BIRTH: ("GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH"),
    RegisterType.DEATH: ("TRÍCH LỤC KHAI TỬ", "GIẤY CHỨNG TỬ"),
    RegisterType.MARRIAGE: ("GIẤY CHỨNG NHẬN KẾT HÔN", "TRÍCH LỤC KẾT HÔN"),
}

_COMMON: dict[str, tuple[str, ...]] = {
    "registration_number": ("Số", "Số đăng ký", "STT", "Số thứ tự"),
    "registration_date": ("Ngày, tháng, năm đăng ký", "Ngày đăng ký"),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Ngày sinh"),
    "sex": ("Giới tính",),
    "ethnicity": ("Dân tộc",),
    "nationality": ("Quốc tịch",),
    "personal_id": ("Số định danh cá nhân", "Số ĐDCN"),
    "notes": ("Ghi chú",),
}

LABELS: dict[RegisterType, dict[str, tuple[str, ...]]] = {
    RegisterType.BIRTH: {
        **_COMMON,
        "full_name": ("Họ, chữ đệm, tên", "Họ và tên", "Họ tên người được khai sinh"),
        "place_of_birth": ("Nơi sinh",),
        "hometown": ("Quê quán",),
        "mother_name": ("Họ, chữ đệm, tên người mẹ", "Họ tên mẹ"),
        "mother_birth_year": ("Năm sinh (mẹ)", "Năm sinh mẹ"),
        "father_name": ("Họ, chữ đệm, tên người cha", "Họ tên cha"),
        "father_birth_year": ("Năm sinh (cha)", "Năm sinh cha"),
        "parents_residence": ("Nơi cư trú", "Nơi cư trú của cha mẹ"),
        "declarant": ("Người đi khai sinh", "Người đi đăng ký"),
    },
    RegisterType.DEATH: {
        **_COMMON,
        "full_name": ("Họ, chữ đệm, tên", "Họ và tên", "Họ tên người chết"),
        "last_residence": ("Nơi cư trú cuối cùng", "Nơi cư trú"),
        "date_of_death": ("Ngày, tháng, năm chết", "Ngày chết"),
        "time_of_death": ("Đã chết vào lúc", "Giờ, phút chết"),
        "place_of_death": ("Nơi chết",),
        "cause_of_death": ("Nguyên nhân chết",),
        "declarant": ("Người đi khai tử", "Người đi đăng ký"),
    },
    RegisterType.MARRIAGE: {
        "registration_number": _COMMON["registration_number"],
        "registration_date": _COMMON["registration_date"],
        "notes": _COMMON["notes"],
        "declarant": ("Người đi đăng ký",),
    },
}

PARTY_LABELS: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ, chữ đệm, tên", "Họ và tên"),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Ngày sinh"),
    "ethnicity": ("Dân tộc",),
    "nationality": ("Quốc tịch",),
    "residence": ("Nơi cư trú", "Nơi thường trú"),
    "personal_id": ("Số định danh cá nhân", "Số ĐDCN"),
}
"""Labels of a marriage party's fields; the party ('chồng'/'vợ') is added as a group or suffix."""

PARTIES: dict[str, str] = {"husband": "chồng", "wife": "vợ"}
PARTY_GROUPS: tuple[tuple[str, str], ...] = (
    ("Chồng", "Vợ"),
    ("Bên chồng", "Bên vợ"),
    ("Người chồng", "Người vợ"),
)
PARTY_SUFFIXES: tuple[str, ...] = (" người {party}", " ({party})", " của {party}")

CaseStyle = Literal["as_is", "upper", "no_marks", "upper_no_marks"]
_CASE_STYLES: tuple[CaseStyle, ...] = ("as_is", "upper", "no_marks", "upper_no_marks")
_CASE_WEIGHTS = (0.5, 0.25, 0.15, 0.1)


def strip_marks(text: str) -> str:
    """Vietnamese without diacritics ("Ngày sinh" -> "Ngay sinh"), as hurried typing writes it."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare)


def apply_case(text: str, style: CaseStyle) -> str:
    """Write a label in a page's letter case; the result is NFC."""
    if style in ("no_marks", "upper_no_marks"):
        text = strip_marks(text)
    if style in ("upper", "upper_no_marks"):
        text = text.upper()
    return unicodedata.normalize("NFC", text)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _chance(rng: np.random.Generator, probability: float) -> bool:
    return bool(rng.random() < probability)


def _head(rng: np.random.Generator) -> list[str]:
    head = ["registration_number", "registration_date"]
    return head[::-1] if _chance(rng, 0.15) else head


def _pair(rng: np.random.Generator, first: str, second: str, swap: float) -> list[str]:
    return [second, first] if _chance(rng, swap) else [first, second]


def _insert_after(columns: list[str], anchor: str, field: str) -> list[str]:
    at = columns.index(anchor) + 1
    return [*columns[:at], field, *columns[at:]]


def _birth_order(rng: np.random.Generator) -> list[str]:
    person = [
        "full_name",
        *_pair(rng, "date_of_birth", "sex", 0.3),
        *_pair(rng, "ethnicity", "nationality", 0.3),
        *_pair(rng, "place_of_birth", "hometown", 0.2),
    ]
    person = _insert_after(
        person, _pick(rng, ("full_name", "hometown", "place_of_birth")), "personal_id"
    )
    mother = ["mother_name", "mother_birth_year"]
    father = ["father_name", "father_birth_year"]
    parents = [*mother, *father] if _chance(rng, 0.5) else [*father, *mother]
    return [*_head(rng), *person, *parents, "parents_residence", "declarant", "notes"]


def _death_order(rng: np.random.Generator) -> list[str]:
    person = [
        "full_name",
        *_pair(rng, "date_of_birth", "sex", 0.3),
        *_pair(rng, "ethnicity", "nationality", 0.3),
    ]
    person = _insert_after(person, _pick(rng, ("full_name", "nationality")), "personal_id")
    death = [
        *_pair(rng, "date_of_death", "time_of_death", 0.5),
        *_pair(rng, "place_of_death", "cause_of_death", 0.3),
    ]
    middle = [*person, "last_residence", *death]
    if _chance(rng, 0.3):
        middle = [*person, *death, "last_residence"]
    return [*_head(rng), *middle, "declarant", "notes"]


def _party_order(rng: np.random.Generator) -> list[str]:
    order = [
        "full_name",
        *_pair(rng, "date_of_birth", "ethnicity", 0.2),
        "nationality",
        "residence",
    ]
    return _insert_after(order, _pick(rng, ("full_name", "residence")), "personal_id")


def _marriage_order(rng: np.random.Generator) -> list[str]:
    party = _party_order(rng)
    husband = [f"husband_{name}" for name in party]
    wife = [f"wife_{name}" for name in party]
    return [*_head(rng), *husband, *wife, "declarant", "notes"]


_CORE: dict[RegisterType, frozenset[str]] = {
    RegisterType.BIRTH: frozenset(
        {
            "registration_number",
            "registration_date",
            "full_name",
            "date_of_birth",
            "sex",
            "place_of_birth",
            "mother_name",
            "father_name",
            "parents_residence",
        }
    ),
    RegisterType.DEATH: frozenset(
        {
            "registration_number",
            "registration_date",
            "full_name",
            "date_of_birth",
            "sex",
            "last_residence",
            "date_of_death",
            "place_of_death",
        }
    ),
    RegisterType.MARRIAGE: frozenset(
        {
            "registration_number",
            "registration_date",
            "husband_full_name",
            "husband_date_of_birth",
            "husband_residence",
            "wife_full_name",
            "wife_date_of_birth",
            "wife_residence",
        }
    ),
}
"""Columns every book of a register type has, whatever its era."""

_NEVER_BEFORE_2014 = frozenset({"personal_id", "husband_personal_id", "wife_personal_id"})
_NOT_IN_MARRIAGE_BOOKS = frozenset({"declarant"})
"""Fields a marriage book leaves out (the couple registers together, nobody declares)."""


def full_column_order(register_type: RegisterType, rng: np.random.Generator) -> list[str]:
    """Every column a register type's table can have, in an order drawn from the variants."""
    order = {
        RegisterType.BIRTH: _birth_order,
        RegisterType.DEATH: _death_order,
        RegisterType.MARRIAGE: _marriage_order,
    }[register_type](rng)
    if register_type is RegisterType.MARRIAGE:
        order = [name for name in order if name not in _NOT_IN_MARRIAGE_BOOKS]
    return order


def possible_columns(register_type: RegisterType, era: str) -> list[str]:
    """The widest set of columns a book of this type and era can print (canonical order)."""
    columns = full_column_order(register_type, np.random.default_rng(0))
    if era == "pre2014":
        columns = [name for name in columns if name not in _NEVER_BEFORE_2014]
    return columns


def choose_columns(register_type: RegisterType, era: str, rng: np.random.Generator) -> list[str]:
    """The columns of one page: modern books print all, older ones a subset, in a varied order."""
    order = full_column_order(register_type, rng)
    if era != "pre2014":
        return order
    core = _CORE[register_type]
    kept_suffixes: dict[str, bool] = {}
    columns = []
    for name in order:
        if name in _NEVER_BEFORE_2014:
            continue
        if name in core:
            columns.append(name)
            continue
        # A marriage book prints a party column for both parties or for neither.
        key = name.removeprefix("husband_").removeprefix("wife_")
        if key not in kept_suffixes:
            kept_suffixes[key] = _chance(rng, 0.6)
        if kept_suffixes[key]:
            columns.append(name)
    return columns


@dataclass(frozen=True)
class HeaderPlan:
    """The labels of one page: per field the printed label and, for two-level headers, its group."""

    labels: dict[str, str]
    groups: dict[str, str]
    case_style: CaseStyle

    def truth_label(self, field: str) -> str:
        """The label as recorded in the ground truth: 'Group / label' under a group header."""
        group = self.groups.get(field)
        return f"{group} / {self.labels[field]}" if group else self.labels[field]


def _party_of(field: str) -> tuple[str, str] | None:
    for party in PARTIES:
        if field.startswith(f"{party}_"):
            return party, field.removeprefix(f"{party}_")
    return None


def plan_labels(
    register_type: RegisterType,
    fields: list[str],
    rng: np.random.Generator,
    *,
    allow_groups: bool,
    case_style: CaseStyle | None = None,
) -> HeaderPlan:
    """Draw a label for every field; marriage parties get a group header or a suffix."""
    if case_style is None:
        case_style = _CASE_STYLES[int(rng.choice(len(_CASE_STYLES), p=_CASE_WEIGHTS))]
    grouped = allow_groups and _chance(rng, 0.5)
    group_names = PARTY_GROUPS[int(rng.integers(len(PARTY_GROUPS)))]
    suffix = _pick(rng, PARTY_SUFFIXES)
    labels: dict[str, str] = {}
    groups: dict[str, str] = {}
    for field in fields:
        party = _party_of(field)
        if party is None:
            labels[field] = apply_case(_pick(rng, LABELS[register_type][field]), case_style)
            continue
        who, base = party
        label = _pick(rng, PARTY_LABELS[base])
        if grouped:
            group = group_names[0] if who == "husband" else group_names[1]
            groups[field] = apply_case(group, case_style)
        else:
            label += suffix.format(party=PARTIES[who])
        labels[field] = apply_case(label, case_style)
    return HeaderPlan(labels=labels, groups=groups, case_style=case_style)


def longest_label_words(register_type: RegisterType, field: str) -> list[str]:
    """Every word any label variant of a field can print (to size columns for all variants)."""
    party = _party_of(field)
    if party is None:
        variants = list(LABELS[register_type][field])
    else:
        variants = [
            base + suffix.format(party=PARTIES[party[0]])
            for base in PARTY_LABELS[party[1]]
            for suffix in PARTY_SUFFIXES
        ]
    words = {word for label in variants for word in label.split()}
    return sorted({apply_case(word, style) for word in words for style in _CASE_STYLES})
