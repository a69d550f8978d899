"""How a clerk writes values: numbers and dates in words, date formats, addresses, and slips.

Everything here is a pure function of its arguments (and of the ``random.Random`` it is given),
so the district generator stays deterministic by seed.

Vietnamese numbers in words (``number_to_words``) follow the usual rules:

- tens: ``mười`` for 10-19, ``<digit> mươi`` from 20;
- units after a ten: ``mốt`` for 1 from 21 on (but ``mười một``), ``lăm`` for 5 from 15 on,
  ``tư`` (or ``bốn``) for 4 from 24 on;
- a zero tens digit inside a number: ``linh`` (or ``lẻ``): 105 ``một trăm linh năm``;
- a zero hundreds digit after a higher group: ``không trăm``: 2005 ``hai nghìn không trăm linh
  năm``.

>>> number_to_words(1990)
'một nghìn chín trăm chín mươi'
>>> date_in_words(1990, 3, 5)
'ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi'
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from enum import StrEnum
from typing import Literal

from synth.admin import NewWard, OldWard

DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUP_WORDS = ("", "nghìn", "triệu", "tỷ")


def _group_words(value: int, *, inner: bool, zero_tens: str, four: str) -> list[str]:
    """Words of 0-999; ``inner`` when a higher group precedes (so hundreds are spelled)."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or inner:
        words += [DIGIT_WORDS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if hundreds or inner:
                words.append(zero_tens)
            words.append(DIGIT_WORDS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGIT_WORDS[units])
    else:
        words += [DIGIT_WORDS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(four)
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGIT_WORDS[units])
    return words


def number_to_words(
    value: int,
    *,
    zero_tens: Literal["linh", "lẻ"] = "linh",
    four: Literal["bốn", "tư"] = "bốn",
    thousand: Literal["nghìn", "ngàn"] = "nghìn",
) -> str:
    """A non-negative integer below 10^12 in Vietnamese words.

    >>> number_to_words(2005)
    'hai nghìn không trăm linh năm'
    >>> number_to_words(21), number_to_words(15), number_to_words(24, four="tư")
    ('hai mươi mốt', 'mười lăm', 'hai mươi tư')
    """
    if not 0 <= value < 10**12:
        raise ValueError(f"cannot spell {value}: only 0 to 10^12 - 1")
    if value == 0:
        return DIGIT_WORDS[0]
    groups: list[int] = []
    while value:
        groups.append(value % 1000)
        value //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        inner = index < len(groups) - 1
        words += _group_words(group, inner=inner, zero_tens=zero_tens, four=four)
        if index:
            words.append(thousand if index == 1 else _GROUP_WORDS[index])
    return " ".join(words)


def day_in_words(day: int) -> str:
    """``mùng năm`` for days 1-10 (as clerks write them), else the number."""
    return f"mùng {number_to_words(day)}" if day <= 10 else number_to_words(day)


def month_in_words(month: int) -> str:
    """``tư`` for April as everyone says it; other months by number."""
    return "tư" if month == 4 else number_to_words(month)


def date_in_words(year: int, month: int | None = None, day: int | None = None) -> str:
    """A (possibly partial) date fully in words."""
    parts = []
    if day is not None:
        parts.append(f"ngày {day_in_words(day)}")
    if month is not None:
        parts.append(f"tháng {month_in_words(month)}")
    parts.append(f"năm {number_to_words(year)}")
    return " ".join(parts)


def time_in_words(hour: int, minute: int) -> str:
    return f"{number_to_words(hour)} giờ {number_to_words(minute)} phút"


class DateStyle(StrEnum):
    """Ways a date is written in a book."""

    SLASH = "slash"  # 05/03/1990
    DASH = "dash"  # 5-3-1990
    DOT = "dot"  # 05.03.1990
    PHRASE = "phrase"  # ngày 05 tháng 03 năm 1990
    WORDS = "words"  # ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi


def format_date(year: int, month: int | None, day: int | None, style: DateStyle) -> str:
    """A (possibly partial) date written in ``style``."""
    if style is DateStyle.WORDS:
        return date_in_words(year, month, day)
    if style is DateStyle.PHRASE:
        parts = [f"ngày {day:02d}"] if day is not None else []
        if month is not None:
            parts.append(f"tháng {month:02d}")
        return " ".join([*parts, f"năm {year}"])
    if month is None:
        return str(year)
    if style is DateStyle.DASH:
        return "-".join(str(v) for v in (day, month, year) if v is not None)
    separator = "." if style is DateStyle.DOT else "/"
    parts = [f"{month:02d}", str(year)]
    return separator.join([f"{day:02d}", *parts] if day is not None else parts)


def format_time_of_death(hour: int, minute: int, day: dt.date, style: DateStyle) -> str:
    """``14 giờ 30 phút, ngày 05/03/2010`` (or all of it in words)."""
    if style is DateStyle.WORDS:
        return f"{time_in_words(hour, minute)}, {date_in_words(day.year, day.month, day.day)}"
    date_text = format_date(day.year, day.month, day.day, style)
    if style is not DateStyle.PHRASE:
        date_text = f"ngày {date_text}"
    return f"{hour:02d} giờ {minute:02d} phút, {date_text}"


# Addresses -------------------------------------------------------------------------------

ADDRESS_STYLES = 5
"""Number of ways an old address is written (see :func:`write_old_address`)."""

_ABBREVIATIONS = {
    "Phường": "P.",
    "Xã": "X.",
    "Thị trấn": "TT",
    "Quận": "Q.",
    "Huyện": "H.",
    "Thị xã": "TX",
    "Thành phố": "TP",
    "Tỉnh": "T.",
    "Đặc khu": "ĐK",
}


def _province_type(full_name: str, short_name: str) -> str:
    return full_name[: -len(short_name)].strip() or "Tỉnh"


def _lower_type(unit_type: str) -> str:
    return unit_type[:1].lower() + unit_type[1:]


def _unit(unit_type: str, short_name: str, style: int) -> str:
    """One unit written in ``style``: 0 lower type, 1 abbreviated, 2 lower, 3 title, 4 bare."""
    if style == 4:
        return short_name
    if style == 1:
        return f"{_ABBREVIATIONS.get(unit_type, unit_type)} {short_name}"
    if style == 3:
        return f"{unit_type} {short_name}"
    return f"{_lower_type(unit_type)} {short_name}"


def _province(unit_type: str, short_name: str, style: int) -> str:
    if style == 0:
        return f"TP {short_name}" if unit_type == "Thành phố" else f"tỉnh {short_name}"
    if style == 1:
        return short_name
    return _unit(unit_type, short_name, style)


def write_group(number: int, style: int) -> str:
    """A residential group (tổ dân phố) as written."""
    return ("tổ", "Tổ", "tổ dân phố", "Tổ dân phố", "TDP")[style % ADDRESS_STYLES] + f" {number}"


def canonical_group(number: int) -> str:
    return f"Tổ dân phố {number}"


def write_old_address(ward: OldWard, detail: str, style: int) -> str:
    """An address in pre-2025 units: ``phường Quảng An, quận Tây Hồ, TP Hà Nội`` and variants."""
    province_type = _province_type(ward.province, ward.province_short)
    parts = [
        detail,
        _unit(ward.unit_type, ward.short_name, style),
        _unit(ward.district_type, ward.district_short, style),
        _province(province_type, ward.province_short, style),
    ]
    return ", ".join(p for p in parts if p)


def write_new_address(ward: NewWard, detail: str, style: int) -> str:
    """An address in 2025 units, as written: ``phường Tây Hồ, TP Hà Nội`` and variants."""
    province_type = _province_type(ward.province, ward.province_short)
    style = min(style, 3)  # the bare form is ambiguous without a district: never used
    parts = [
        detail,
        _unit(ward.unit_type, ward.short_name, style),
        _province(province_type, ward.province_short, style),
    ]
    return ", ".join(p for p in parts if p)


# Slips -----------------------------------------------------------------------------------

_HOOK, _TILDE, _ACUTE = "\u0309", "\u0303", "\u0301"
_HORN, _CIRCUMFLEX, _BREVE = "\u031b", "\u0302", "\u0306"
_DROPPABLE_MARKS = (_HORN, _CIRCUMFLEX, _BREVE)


def strip_diacritics(text: str) -> str:
    """``Nguyễn Thị Hồng`` -> ``Nguyen Thi Hong`` (đ -> d too)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def _mark_swaps(marks: str) -> list[str]:
    """Other mark sets a hurried hand or OCR writes for one letter's ``marks``."""
    options: list[str] = []
    for mark in marks:
        if mark == _HOOK:
            options.append(marks.replace(_HOOK, _TILDE))
        elif mark == _TILDE:
            options.append(marks.replace(_TILDE, _HOOK))
        if mark in _DROPPABLE_MARKS:
            options.append(marks.replace(mark, ""))
        if _CIRCUMFLEX in marks and mark in (_ACUTE, _HOOK):
            options.append(marks.replace(mark, _HOOK if mark == _ACUTE else _ACUTE))
    return options


def swap_diacritic(text: str, rng: random.Random) -> str | None:
    """One diacritic confused (hook/tilde, ư/u, ơ/o, â/a, ă/a, acute/hook on ê/ô/â).

    ``None`` when ``text`` has no such mark.
    """
    candidates: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        for swapped in _mark_swaps(marks):
            candidates.append((index, unicodedata.normalize("NFC", base + swapped)))
    if not candidates:
        return None
    index, replacement = candidates[rng.randrange(len(candidates))]
    return text[:index] + replacement + text[index + 1 :]


_KEY_NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "g": "fh", "h": "gj", "i": "uo",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "wa", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "x": "zc", "y": "tu", "z": "x",
}  # fmt: skip


def _substitute(char: str, rng: random.Random) -> str:
    if char.isdigit():
        return str((int(char) + rng.choice((1, 9))) % 10)
    base = strip_diacritics(char).lower()
    neighbours = _KEY_NEIGHBOURS.get(base, "")
    if not neighbours:
        return char
    new = rng.choice(neighbours)
    return new.upper() if char.isupper() else new


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a letter replaced by a neighbour, dropped, doubled or transposed.

    Returns ``text`` unchanged only when it has no letter or digit.
    """
    positions = [i for i, c in enumerate(text) if c.isalnum()]
    if not positions:
        return text
    for _ in range(10):
        i = rng.choice(positions)
        operation = rng.randrange(4)
        if operation == 0:
            result = text[:i] + _substitute(text[i], rng) + text[i + 1 :]
        elif operation == 1 and len(positions) > 2 and not text[i].isdigit():
            result = text[:i] + text[i + 1 :]
        elif operation == 2 and not text[i].isdigit():
            result = text[:i] + text[i] + text[i:]
        elif i + 1 < len(text) and text[i + 1].isalnum():
            result = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            continue
        if result != text:
            return result
    return text[:-1] + _substitute(text[-1], rng) if text[-1].isalnum() else text
