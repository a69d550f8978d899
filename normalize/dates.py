"""Dates and times as registers write them, read into values that keep their precision.

Forms read (DOMAIN.md §2): ``05/03/1990``, ``5-3-1990``, ``05.03.1990``, ISO ``1990-03-05``,
``ngày 05 tháng 03 năm 1990``, words (``ngày mùng năm tháng ba năm một nghìn chín trăm chín
mươi``, with mốt/lăm/tư/linh/lẻ/nghìn/ngàn), mixtures of both, digits followed by the same date
in words in brackets, and partial dates (``03/1990``, ``tháng 3 năm 1990``, ``1990``, ``năm
1990``). Day and month are never in US order; an impossible month that becomes possible when
swapped with the day is read swapped and said so. Impossible dates are rejected with the reason.

Times of death: ``14 giờ 30 phút``, ``14h30``, ``14:30``, and in words.

>>> parse_date("ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi").value
PartialDate(year=1990, month=3, day=5)
>>> [f.code.value for f in parse_date("31/02/1990").findings]
['date.impossible']
>>> parse_time("14 giờ 30 phút").value
'14:30'
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from normalize.construct import MAKE_MODEL
from normalize.issues import Finding, IssueCode
from normalize.number_words import NUMBER_WORDS, number_to_words, words_to_number
from normalize.text import clean_text, fold
from schemas.enums import DatePrecision
from schemas.values import PartialDate

MIN_YEAR = 1850
MAX_YEAR = 2100
_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")  # fmt: skip
_MONTH_WORDS = {"gieng": 1, "chap": 12}  # tháng giêng, tháng chạp
_DAY_PREFIXES = frozenset({"mung", "mong"})  # mùng / mồng before days 1-10


class DateForm(StrEnum):
    """How a date was written."""

    BLANK = "blank"
    NUMERIC = "numeric"
    ISO = "iso"
    TEXT = "text"  # "ngày 05 tháng 03 năm 1990", possibly with words
    UNREADABLE = "unreadable"


class DateStyle(StrEnum):
    """Ways :func:`format_date` writes a date (all of them are read back by :func:`parse_date`)."""

    SLASH = "slash"  # 05/03/1990
    DASH = "dash"  # 5-3-1990
    DOT = "dot"  # 05.03.1990
    ISO = "iso"  # 1990-03-05
    TEXT = "text"  # ngày 05 tháng 03 năm 1990
    WORDS = "words"  # ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi
    DIGITS_AND_WORDS = "digits_and_words"  # 05/03/1990 (ngày mùng năm tháng ba năm ...)


class DateParse(NamedTuple):
    """A date read from text: its value (``None`` if unreadable or impossible) and doubts.

    ``swappable`` is true when day and month could be read the other way round (both <= 12 and
    different; ISO dates excepted, machines do not swap): the record-level checks weigh that
    reading against the other fields. ``by_year`` is true when the reading depends on the
    reference year (a two-digit year was resolved with it): only such readings must be
    remembered per book year. (A named tuple: immutable and quick to make.)
    """

    value: PartialDate | None
    findings: tuple[Finding, ...] = ()
    form: DateForm = DateForm.BLANK
    swappable: bool = False
    by_year: bool = False

    @property
    def precision(self) -> DatePrecision | None:
        return self.value.precision if self.value else None

    def swapped(self) -> PartialDate | None:
        """The reading with day and month exchanged, when there is one."""
        value = self.value
        if not self.swappable or value is None or value.day is None or value.month is None:
            return None
        return _partial_date(value.year, value.day, value.month)


class TimeParse(NamedTuple):
    """A time of day read from text: ``HH:MM`` or ``None``, and doubts."""

    value: str | None
    findings: tuple[Finding, ...] = ()


_PAREN = re.compile(r"\(([^()]*)\)")
# Fast paths for the forms registers write most; what they match, the general reading would
# read the same way (same parts, same text handed to ``_build``), they only skip its steps.
_FAST_NUMERIC = re.compile(
    r"^\s*(?:(?:ng(?:ay|ày) )?(\d{1,2})([/.\-])(\d{1,2})\2)?(\d{4})\s*$", re.ASCII
)
_FAST_TEXT = re.compile(
    r"^\s*ng(?:ay|ày) (\d{1,2}) th(?:ang|áng) (\d{1,2}) n(?:am|ăm) (\d{4})\s*$", re.ASCII
)
_NUM_DMY = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_NUM_ISO = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})(?:\s*-\s*(\d{1,2}))?$")
_NUM_MY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_NUM_Y = re.compile(r"^(\d{4})$")
_TOKENS = re.compile(r"\d+|[a-z]+")
_LEADING_LABEL = re.compile(
    r"^(?:(?:ngay\s+)?(?:sinh|chet|mat|dang\s+ky|dk)\s*(?:ngay)?\s*:?\s*|ngay\s*:?\s*(?=\d+\s*[/.\-]))"
)


_DATE_KEYS = {"year", "month", "day"}
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DATES: dict[tuple[int, int | None, int | None], PartialDate] = {}
"""Dates made so far, shared (frozen): registers name the same days over and over."""
_READINGS: dict[tuple[int, int | None, int | None, DateForm], DateParse] = {}
"""Readings of possible dates by parts and form (they do not depend on the text)."""
MEMO_LIMIT = 200_000
"""Each memo above is emptied when it reaches this many entries."""


_new, _set_dict, _set_fields_set, _set_extra, _set_private = MAKE_MODEL
_tuple_new = tuple.__new__


def _days_in_month(year: int, month: int) -> int:
    """``calendar.monthrange(year, month)[1]``, without computing a weekday."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def _partial_date(year: int, month: int | None, day: int | None) -> PartialDate:
    """A ``PartialDate`` of parts already checked against the calendar."""
    key = (year, month, day)
    value = _DATES.get(key)
    if value is None:
        if len(_DATES) >= MEMO_LIMIT:
            _DATES.clear()
        # build_frozen, inlined: a register names tens of thousands of distinct days
        value = _DATES[key] = _new(PartialDate)
        _set_dict(value, {"year": year, "month": month, "day": day})
        _set_fields_set(value, _DATE_KEYS)
        _set_extra(value, None)
        _set_private(value, None)
    return value


def clear_memos() -> None:
    """Forget the shared dates and readings."""
    _DATES.clear()
    _READINGS.clear()


def _resolve_two_digit_year(yy: int, reference_year: int | None) -> int:
    if reference_year is None:
        return 2000 + yy if yy <= 30 else 1900 + yy
    year = (reference_year // 100) * 100 + yy
    return year - 100 if year > reference_year else year


def _build(year: int, month: int | None, day: int | None, text: str, form: DateForm) -> DateParse:
    """Check the parts and make the value; every problem becomes a finding.

    A possible date's reading names no text: it is remembered by its parts and form.
    """
    known = _READINGS.get((year, month, day, form))
    if known is not None:
        return known
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateParse(
            None,
            (
                Finding.of(
                    IssueCode.DATE_IMPLAUSIBLE_YEAR,
                    f"{text!r}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}",
                ),
            ),
            form,
        )
    if month is not None and not 1 <= month <= 12:
        if day is not None and 1 <= day <= 12 and 1 <= month <= _days_in_month(year, day):
            value = _partial_date(year, day, month)
            message = (
                f"{text!r}: there is no month {month}; read as {value} (day and month swapped)"
            )
            return DateParse(value, (Finding.of(IssueCode.DATE_DAY_MONTH_SWAPPED, message),), form)
        return DateParse(
            None,
            (Finding.of(IssueCode.DATE_IMPOSSIBLE, f"{text!r}: there is no month {month}"),),
            form,
        )
    if day is not None:
        assert month is not None
        last_day = _days_in_month(year, month)
        if not 1 <= day <= last_day:
            reason = (
                f"{_MONTH_NAMES[month]} {year} has {last_day} days" if day else "there is no day 0"
            )
            return DateParse(
                None, (Finding.of(IssueCode.DATE_IMPOSSIBLE, f"{text!r}: {reason}"),), form
            )
    swappable = (
        form is not DateForm.ISO
        and day is not None
        and month is not None
        and day != month
        and day <= 12
    )
    if len(_READINGS) >= MEMO_LIMIT:
        _READINGS.clear()
    parsed = _READINGS[(year, month, day, form)] = _tuple_new(
        DateParse, (_partial_date(year, month, day), (), form, swappable, False)
    )
    return parsed


def _parse_numeric(folded: str, text: str, reference_year: int | None) -> DateParse | None:
    match = _NUM_DMY.match(folded)
    if match:
        day, _, month, year_text = match.groups()
        year = int(year_text)
        findings: tuple[Finding, ...] = ()
        if len(year_text) == 2:
            year = _resolve_two_digit_year(year, reference_year)
            findings = (
                Finding.of(
                    IssueCode.DATE_TWO_DIGIT_YEAR, f"{text!r}: two-digit year read as {year}"
                ),
            )
        parsed = _build(year, int(month), int(day), text, DateForm.NUMERIC)
        if findings:
            return DateParse(parsed.value, findings + parsed.findings, parsed.form, False, True)
        return parsed
    match = _NUM_ISO.match(folded)
    if match:
        year, month, day = match.groups()
        return _build(int(year), int(month), int(day) if day else None, text, DateForm.ISO)
    match = _NUM_MY.match(folded)
    if match:
        month, year = match.groups()
        return _build(int(year), int(month), None, text, DateForm.NUMERIC)
    match = _NUM_Y.match(folded)
    if match:
        return _build(int(match.group(1)), None, None, text, DateForm.NUMERIC)
    return None


def _number(tokens: list[str]) -> int | None:
    """A number written as one run of digits or as words."""
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].isdigit():
        return int(tokens[0])
    if any(t.isdigit() for t in tokens):
        return None
    return words_to_number(tokens)


def _month(tokens: list[str]) -> int | None:
    if len(tokens) == 1 and tokens[0] in _MONTH_WORDS:
        return _MONTH_WORDS[tokens[0]]
    return _number(tokens)


def _split_month_year(tokens: list[str]) -> tuple[int | None, int | None] | None:
    """Month then "năm" then year; "năm" is also the word for five ("tháng năm năm ...")."""
    for cut in range(1, min(len(tokens), 4)):
        if tokens[cut] != "nam":
            continue
        month, year = _month(tokens[:cut]), _number(tokens[cut + 1 :])
        if month is not None and year is not None:
            return month, year
    month = _month(tokens)
    return (month, None) if month is not None else None


def _parse_text(folded: str, text: str) -> DateParse | None:
    tokens = [t for t in _TOKENS.findall(folded) if t not in _DAY_PREFIXES]
    if not tokens:
        return None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    if "thang" in tokens:
        cut = tokens.index("thang")
        head = tokens[:cut]
        if head and head[0] == "ngay":
            head = head[1:]
        if head:
            day = _number(head)
            if day is None:
                return None
        split = _split_month_year(tokens[cut + 1 :])
        if split is None:
            return None
        month, year = split
        if year is None:
            return None  # a day and month without a year is no date for a register
    elif tokens[0] == "nam":
        year = _number(tokens[1:])
    else:
        return None
    if year is None or (day is not None and month is None):
        return None
    if year < 100 and day is None and month is None:
        return None
    return _build(year, month, day, text, DateForm.TEXT)


def _parse_one(text: str, reference_year: int | None) -> DateParse:
    folded = fold(text).strip(" .,;:")
    folded = _LEADING_LABEL.sub("", folded)
    if not folded:
        return DateParse(None, (), DateForm.BLANK)
    parsed = _parse_numeric(folded, text, reference_year)
    if parsed is None and (folded[0].isalpha() or " " in folded):
        parsed = _parse_text(folded, text)
    if parsed is None:
        return DateParse(
            None,
            (Finding.of(IssueCode.DATE_UNREADABLE, f"{text!r} is not a date in a known form"),),
            DateForm.UNREADABLE,
        )
    return parsed


def parse_date(text: str, reference_year: int | None = None) -> DateParse:
    """Read a date in any form of DOMAIN.md §2; never raises.

    ``reference_year`` (the book's year) resolves two-digit years to the latest year not after
    it. Digits followed by words in brackets are both read; a disagreement is a warning and the
    digits win.

    >>> parse_date("05.03.1990").value, parse_date("03/1990").precision.value
    (PartialDate(year=1990, month=3, day=5), 'month')
    >>> parse_date("năm 1990").value, parse_date("").value
    (PartialDate(year=1990, month=None, day=None), None)
    >>> parse_date("05/13/1990").value
    PartialDate(year=1990, month=5, day=13)
    """
    fast = _FAST_NUMERIC.match(text)
    if fast:  # "05/03/1990", "5-3-1990", "05.03.1990", "ngày 05/03/1990", "1990"
        day, _, month, year = fast.groups()
        if day is None:
            return _build(int(year), None, None, text.strip(), DateForm.NUMERIC)
        return _build(int(year), int(month), int(day), text.strip(), DateForm.NUMERIC)
    fast = _FAST_TEXT.match(text)
    if fast:  # "ngày 05 tháng 03 năm 1990"
        day, month, year = fast.groups()
        return _build(int(year), int(month), int(day), text.strip(), DateForm.TEXT)
    cleaned = clean_text(text)
    if not cleaned:
        return DateParse(None, (), DateForm.BLANK)
    bracketed = _PAREN.findall(cleaned)
    main = _PAREN.sub(" ", cleaned).strip()
    if not bracketed or not main:
        return _parse_one(main or bracketed[0], reference_year)
    first = _parse_one(main, reference_year)
    second = _parse_one(bracketed[0], reference_year)
    by_year = first.by_year or second.by_year
    if first.value is None:
        chosen = second if second.value is not None else first
        return chosen._replace(by_year=True) if by_year and not chosen.by_year else chosen
    if second.value is not None and second.value != first.value:
        return DateParse(
            first.value,
            (
                *first.findings,
                Finding.of(
                    IssueCode.DATE_WORDS_DIGITS_DISAGREE,
                    f"digits say {first.value}, words say {second.value}; kept the digits",
                ),
            ),
            first.form,
            first.swappable,
            by_year,
        )
    return first._replace(by_year=True) if by_year and not first.by_year else first


def format_date(value: PartialDate, style: DateStyle) -> str:
    """Write ``value`` the way a register would, in ``style`` (inverse of :func:`parse_date`).

    >>> format_date(PartialDate(year=1990, month=3, day=5), DateStyle.WORDS)
    'ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi'
    >>> format_date(PartialDate(year=1990, month=3), DateStyle.TEXT)
    'tháng 03 năm 1990'
    """
    year, month, day = value.year, value.month, value.day
    if style is DateStyle.ISO:
        return value.iso()
    if style is DateStyle.DIGITS_AND_WORDS:
        digits = format_date(value, DateStyle.SLASH)
        return f"{digits} ({format_date(value, DateStyle.WORDS)})"
    if style in (DateStyle.SLASH, DateStyle.DASH, DateStyle.DOT):
        separator = {"slash": "/", "dash": "-", "dot": "."}[style.value]
        padded = style is not DateStyle.DASH
        parts = [n for n in (day, month) if n is not None]
        shown = [f"{n:02d}" if padded else str(n) for n in parts]
        return separator.join([*shown, f"{year:04d}"])
    if style is DateStyle.TEXT:
        words = []
        if day is not None:
            words.append(f"ngày {day:02d}")
        if month is not None:
            words.append(f"tháng {month:02d}")
        words.append(f"năm {year}")
        return " ".join(words)
    words = []
    if day is not None:
        words.append(f"ngày {'mùng ' if day <= 10 else ''}{number_to_words(day)}")
    if month is not None:
        words.append(f"tháng {'tư' if month == 4 else number_to_words(month)}")
    words.append(f"năm {number_to_words(year)}")
    return " ".join(words)


# ---- times of death -------------------------------------------------------------------------

_FAST_MOMENT = re.compile(
    r"^\s*(\d{1,2}) giờ (\d{1,2}) phút, ngày "
    r"(\d{1,2}([/.\-])\d{1,2}\4\d{4}|\d{1,2} tháng \d{1,2} năm \d{4})\s*$",
    re.ASCII,
)
_TIME_DIGITS = re.compile(r"(?:^|\s)(\d{1,2})\s*(?:gio|h|g|:)\s*(?:(\d{1,2})\s*(?:phut|p|')?)?")
_TIME_WORDS = re.compile(r"(?:^|\s)((?:[a-z]+\s+){0,3}?)gio(?:\s+((?:[a-z]+\s+){0,3}?)phut)?")


def _time_value(hour: int | None, minute: int | None, text: str) -> TimeParse:
    if hour is None:
        return TimeParse(
            None, (Finding.of(IssueCode.TIME_UNREADABLE, f"{text!r} is not a time of day"),)
        )
    minute = minute or 0
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        return TimeParse(
            None,
            (Finding.of(IssueCode.TIME_IMPOSSIBLE, f"{text!r}: {hour} h {minute} min"),),
        )
    return TimeParse(f"{hour % 24:02d}:{minute:02d}")


def _find_time(folded: str) -> tuple[int | None, int | None, int] | None:
    """Hour, minute and the end offset of the time within ``folded``."""
    match = _TIME_DIGITS.search(folded)
    if match:
        minute = int(match.group(2)) if match.group(2) else None
        return int(match.group(1)), minute, match.end()
    match = _TIME_WORDS.search(folded)
    if match:
        hour_words = [w for w in match.group(1).split() if w in NUMBER_WORDS]
        hour = words_to_number(hour_words) if hour_words else None
        minute = None
        if match.group(2):
            minute_words = [w for w in match.group(2).split() if w in NUMBER_WORDS]
            minute = words_to_number(minute_words) if minute_words else None
        return hour, minute, match.end()
    return None


@lru_cache(maxsize=65536)
def parse_time(text: str) -> TimeParse:
    """Read a time of day (``14 giờ 30 phút``, ``14h30``, ``14:30``, words); never raises.

    >>> parse_time("14h30").value, parse_time("mười bốn giờ ba mươi phút").value
    ('14:30', '14:30')
    >>> [f.code.value for f in parse_time("25 giờ").findings]
    ['time.impossible']
    """
    return parse_death_moment(text)[0]


def parse_death_moment(text: str, reference_year: int | None = None) -> tuple[TimeParse, DateParse]:
    """The time and the date of "Đã chết vào lúc ...": both may be in one cell, in digits and
    in words. A blank cell gives a blank time (unknown) and a blank date.

    >>> moment = parse_death_moment("14 giờ 30 phút, ngày 05/03/2020")
    >>> moment[0].value, str(moment[1].value)
    ('14:30', '2020-03-05')
    """
    fast = _FAST_MOMENT.match(text)
    if fast:  # "14 giờ 30 phút, ngày 05/03/2020": what the general reading below would do
        hour, minute, date_text, _ = fast.groups()
        time = _time_value(int(hour), int(minute), text.strip())
        return time, parse_date("ngay " + fold(date_text), reference_year)
    cleaned = clean_text(text)
    if not cleaned:
        return TimeParse(None), DateParse(None)
    bracketed = _PAREN.findall(cleaned)
    main = _PAREN.sub(" ", cleaned).strip() or (bracketed[0] if bracketed else "")
    folded = fold(main)
    found = _find_time(folded)
    if found is None:
        date = parse_date(main, reference_year)
        return TimeParse(None), date
    hour, minute, end = found
    time = _time_value(hour, minute, main)
    rest = folded[end:].strip(" ,;-")
    date = parse_date(rest, reference_year) if rest else DateParse(None)
    if bracketed:
        words_folded = fold(bracketed[0])
        words_found = _find_time(words_folded)
        if words_found is not None and time.value is not None:
            words_time = _time_value(words_found[0], words_found[1], bracketed[0])
            if words_time.value is not None and words_time.value != time.value:
                time = TimeParse(
                    time.value,
                    (
                        Finding.of(
                            IssueCode.DATE_WORDS_DIGITS_DISAGREE,
                            f"digits say {time.value}, words say {words_time.value}; "
                            "kept the digits",
                        ),
                    ),
                )
            words_rest = words_folded[words_found[2] :].strip(" ,;-")
            if date.value is None and words_rest:
                by_year = date.by_year
                date = parse_date(words_rest, reference_year)
                if by_year and not date.by_year:
                    date = date._replace(by_year=True)
    return time, date
