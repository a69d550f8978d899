"""A raw entry in, a typed civil record out, with every value canonical and every doubt written.

:func:`normalize_entry` reads each field with its normalizer, copies the reading's confidence,
page and box onto the value, then checks the fields against each other: death after birth,
registration after the event, parents' ages, legal marriage age, the personal ID against sex,
birth year and registration province. Nothing stops at the first problem and nothing raises on
bad data: a record full of garbage comes out as a record full of issues.

Severity decides the record's way: any ``error`` (impossible date, ID contradiction, missing
required field) blocks auto-linking and sends it to a steward.

Speed (issue 4): registers repeat their texts, so each field's reading (value, issues) is
remembered per text, and a record costs little more than building its ~16 field values
(tuples: :class:`~schemas.values.FieldValue`); the parsers have fast paths for the common forms
that read exactly as their general paths. Use :func:`normalize_entries` for batches: it pauses
the cyclic garbage collector, which otherwise spends about half of a large batch's CPU time
scanning records and memos for cycles that normalization never makes, and hands the batch's
objects to its oldest generation unscanned when it resumes. A remembered reading is a plain
tuple the record loop unpacks at once; the cross-field checks run only where their fields are
present and the years alone do not settle them. ``bench/normalize.py`` measures all of it.

What a cold batch costs beyond that is each distinct text's first reading and the memory its
records and memos keep (fresh memory is paid for in page faults: ~10 us for each new 4 KB page
on the virtual build machine, ~3 ns a byte). A name or date read for one field is remembered
once for every field (plain dicts: the parsers themselves remember nothing, where an LRU
cache's links would cost memory and time for texts the field memos hold already), and where it
raises no doubt its one reading serves every field (its issues are none); a name is remembered
without its parts (family, middle, given and keys are for matching). The first
readings make their tuples directly (no helper calls, no keyword defaults), and so do the
parsers under them: a name is read in one pass over its words and is cleaned with one scan
only when it holds more than letters and spaces, a new date or place is built as
:func:`~normalize.construct.build_frozen` would, inlined, an address is split into its parts
once, and the regular expressions that would try a pattern at every character (runs of space, the
abbreviations) run only where their text can match. A record's ``__dict__`` starts as a copy
of a template holding every field in the model's order, so setting the fields never grows it,
and records whose entries had the same fields share one fields-set (records are frozen:
nothing adds to it). The raw fields are read from the entry's own dict, each unpacked at once
(a :class:`~schemas.records.RawField` is a tuple: one object to fetch, where a model's
attributes sat behind its ``__dict__``), and a result keeps nothing but its record. A record
keeps ~2.5 KB and the memos ~1.1 KB a record of a 100k-entry batch (~7 KB and ~1.7 KB when
the field values were models).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from normalize.construct import MAKE_MODEL, field_defaults
from normalize.dates import DateParse, parse_date, parse_death_moment
from normalize.ethnicity import parse_ethnicity
from normalize.issues import Finding, IssueCode, IssueCollector, issue_of
from normalize.names import NameParts, normalize_name, read_name
from normalize.nationality import parse_nationality
from normalize.personal_ids import cross_check_id, parse_id_cell, province_code_of
from normalize.places import normalize_place
from normalize.sex import parse_sex
from normalize.text import clean_text, fold
from schemas.enums import DatePrecision, IssueSeverity, RegisterType, Sex
from schemas.records import (
    RECORD_MODELS,
    CivilRecordBase,
    RawEntry,
    RawField,
    ValidationIssue,
    record_fields,
)
from schemas.values import FieldValue, PartialDate


class NormalizeOptions(BaseModel):
    """Thresholds and rules of normalization (one object instead of long parameter lists)."""

    model_config = ConfigDict(frozen=True)

    min_confidence: float = Field(
        0.80, ge=0.0, le=1.0, description="OCR confidence below which a key field is doubted."
    )
    today: dt.date = Field(
        default_factory=dt.date.today, description="Dates after this are impossible."
    )
    birth_registration_days: int = Field(
        60, description="Births are registered within 60 days (Law on Civil Status 2014, Art. 15)."
    )
    death_registration_days: int = Field(
        15, description="Deaths are registered within 15 days (Law on Civil Status 2014, Art. 33)."
    )
    max_age_years: int = Field(120, description="Older than this at death is doubted.")
    mother_age_range: tuple[int, int] = Field((13, 55), description="Plausible mother's age.")
    father_age_range: tuple[int, int] = Field((13, 80), description="Plausible father's age.")
    husband_min_age: int = Field(20, description="Law on Marriage and Family 2014, Art. 8.")
    wife_min_age: int = Field(18, description="Law on Marriage and Family 2014, Art. 8.")
    marriage_law_2014_from: dt.date = Field(
        dt.date(2015, 1, 1),
        description="Before this the 2000 law counted age by the year entered (one year less).",
    )
    personal_id_from_year: int = Field(
        2016, description="Registrations from this year on are expected to carry an ID."
    )
    check_id_province: bool = Field(
        True, description="Check a birth record's ID province digits against the book's province."
    )


REQUIRED_FIELDS: dict[RegisterType, tuple[str, ...]] = {
    RegisterType.BIRTH: ("full_name", "date_of_birth", "sex", "registration_number"),
    RegisterType.DEATH: ("full_name", "date_of_death"),
    RegisterType.MARRIAGE: ("husband_full_name", "wife_full_name", "registration_date"),
}

KEY_FIELDS = frozenset(
    {
        "registration_number",
        "registration_date",
        "full_name",
        "date_of_birth",
        "sex",
        "personal_id",
        "date_of_death",
        "husband_full_name",
        "husband_date_of_birth",
        "husband_personal_id",
        "wife_full_name",
        "wife_date_of_birth",
        "wife_personal_id",
    }
)
"""Fields that matching leans on: a doubtful reading of one of them is a warning."""

_REGISTRATION_NUMBER = re.compile(
    r"^(?:so|stt|no)?\s*[.:]?\s*(\d{1,7})\s*(?:/\s*(?:\d{2,4})?\s*)?$"
)


@dataclass(slots=True)
class NormalizedResult:
    """A normalized record, with what its readings give beside the values, on demand."""

    record: CivilRecordBase

    @property
    def issues(self) -> list[ValidationIssue]:
        return self.record.issues

    @property
    def names(self) -> dict[str, NameParts]:
        """Family, middle and given parts (and comparison keys) of each name field read.

        Read again from the field's text when asked: a record keeps no copy of what few
        callers need, and normalization remembers a name's reading without its parts.
        """
        return _read_cells(
            self.record,
            _NAME_FIELDS,
            lambda text: normalize_name(text).parts,
        )

    @property
    def ethnicity_codes(self) -> dict[str, str]:
        """GSO code of each ethnicity field read as one of the 54 groups (read again, as names)."""
        return _read_cells(self.record, _ETHNICITY_FIELDS, lambda text: parse_ethnicity(text).code)

    @property
    def can_auto_link(self) -> bool:
        """No issue forbids automatic linking."""
        return not any(i.severity is IssueSeverity.ERROR for i in self.record.issues)


def _read_cells(
    record: CivilRecordBase,
    fields: dict[RegisterType, list[str]],
    read: Callable[[str], Any],
) -> dict[str, Any]:
    """``read`` of the text of each of the record's ``fields`` that is not blank (as ``_read``
    skips blank cells), where it gives something."""
    found: dict[str, Any] = {}
    for name in fields[record.register_type]:
        text = getattr(record, name).raw_text
        if text and not text.isspace():
            got = read(text)
            if got is not None:
                found[name] = got
    return found


class _Context:
    """Per-entry state shared by the field readers and the cross-field checks.

    ``changed`` names the fields whose value a check replaced after the field's value object
    was built (a day/month swap, a date in the future, the date taken from the time of death):
    only those are built again.
    """

    __slots__ = (
        "changed",
        "collector",
        "dates",
        "entry",
        "options",
        "raws",
        "values",
    )

    def __init__(self, entry: RawEntry, options: NormalizeOptions) -> None:
        self.entry = entry
        self.options = options
        self.collector = IssueCollector()
        self.values: dict[str, Any] = {}
        self.raws: dict[str, RawField] = entry.fields  # read only, see _apply_death_date
        self.dates: dict[str, DateParse] = {}
        self.changed: list[str] = []


# ---- readers: one per kind of field, pure, their readings remembered per (field, text) -------


class _Reading(NamedTuple):
    """What one cell's text gives: the value, its issues, and what the checks need beside.

    ``extra`` is what ``kind`` says it is: nothing (:data:`_PLAIN`), the date's reading
    (:data:`_DATE`), or the date a time-of-death cell holds too (:data:`_DEATH_DATE`).
    ``by_year`` marks a reading that depends on the book's year (a two-digit year): it is
    remembered per (text, year), every other reading per text. (A named tuple: immutable, as a
    remembered reading must be; made with :func:`_make` and unpacked whole by the record loop,
    which is quicker than reading its fields by name.)
    """

    value: Any
    issues: tuple[ValidationIssue, ...]
    kind: int
    extra: Any
    by_year: bool


_PLAIN, _DATE, _DEATH_DATE = range(3)
_tuple_new = tuple.__new__


def _make(
    value: Any,
    issues: tuple[ValidationIssue, ...] = (),
    kind: int = _PLAIN,
    extra: Any = None,
    by_year: bool = False,
) -> _Reading:
    return _tuple_new(_Reading, (value, issues, kind, extra, by_year))  # type: ignore[arg-type]


_BLANK = _make(None)
_PER_YEAR = _make(None, (), _PLAIN, None, True)
"""Stands in a memo for a text whose readings are remembered per book year."""
Reader = Callable[[str, str, int | None], _Reading]


def _issues(name: str, findings: tuple[Finding, ...]) -> tuple[ValidationIssue, ...]:
    return tuple([issue_of(name, f) for f in findings]) if findings else ()


def _reading(name: str, value: Any, findings: tuple[Finding, ...]) -> _Reading:
    if not findings:
        return _tuple_new(_Reading, (value, (), _PLAIN, None, False))  # type: ignore[arg-type]
    return _make(value, tuple([issue_of(name, f) for f in findings]))


# The name and date readers make their tuples directly (no keyword defaults, no helper calls):
# each distinct text of a register costs one reading, and names and dates are most of them.
# A name or a date read for one field is remembered for the others too: a mother's name is a
# later record's full name, a father is a declarant, a birth is registered on another's birthday.

_NAME_READINGS: dict[str, _Reading | tuple[str | None, tuple[Finding, ...]]] = {}
"""Names read so far, by text, for every name field and the declarant: the reading itself where
the name raises no doubt (one reading serves every field: its issues are none), else the
canonical name and its findings (each field makes its own issues of them)."""
_DATE_READINGS: dict[str, _Reading | DateParse] = {}
"""Dates read so far, by text, for every date field, the same way: the reading itself where
the date raises no doubt, else its parse. Not the dates read with the book's year."""
PARSES_LIMIT = 200_000
"""Each of the two memos above is emptied when it holds this many readings."""


def _name_reading(text: str) -> _Reading | tuple[str | None, tuple[Finding, ...]]:
    if len(_NAME_READINGS) >= PARSES_LIMIT:
        _NAME_READINGS.clear()
    value, findings = known = read_name(text)
    if not findings:
        known = _tuple_new(_Reading, (value, (), _PLAIN, None, False))
    _NAME_READINGS[text] = known
    return known


def _date_reading(text: str, reference_year: int | None) -> _Reading | DateParse:
    parsed = parse_date(text, reference_year)
    if parsed.by_year:  # a two-digit year's reading is remembered per field and book year
        return parsed
    if len(_DATE_READINGS) >= PARSES_LIMIT:
        _DATE_READINGS.clear()
    known = _DATE_READINGS[text] = (
        parsed
        if parsed.findings
        else _tuple_new(_Reading, (parsed.value, (), _DATE, parsed, False))
    )
    return known


def _read_name(name: str, text: str, _: int | None) -> _Reading:
    known = _NAME_READINGS.get(text) or _name_reading(text)
    if known.__class__ is _Reading:
        return known  # type: ignore[return-value]
    value, findings = known
    issues = tuple([issue_of(name, f) for f in findings])
    return _tuple_new(_Reading, (value, issues, _PLAIN, None, False))  # type: ignore[arg-type]


def _read_date(name: str, text: str, reference_year: int | None) -> _Reading:
    known = _DATE_READINGS.get(text) or _date_reading(text, reference_year)
    if known.__class__ is _Reading:
        return known  # type: ignore[return-value]
    value, findings, _, _, by_year = known
    issues = tuple([issue_of(name, f) for f in findings]) if findings else ()
    return _tuple_new(_Reading, (value, issues, _DATE, known, by_year))  # type: ignore[arg-type]


def _read_year(name: str, text: str, reference_year: int | None) -> _Reading:
    known = _DATE_READINGS.get(text) or _date_reading(text, reference_year)
    parsed: DateParse = known[3] if known.__class__ is _Reading else known  # type: ignore[assignment]
    value = parsed.value.year if parsed.value else None
    return _make(value, _issues(name, parsed.findings), _PLAIN, None, parsed.by_year)


@lru_cache(maxsize=8192)
def parse_registration_number(text: str) -> tuple[int | None, tuple[Finding, ...]]:
    """The entry number of "12", "Số 12", "STT: 12", "12/2015" (number / year of the book).

    >>> parse_registration_number("Số: 12/2015")[0], parse_registration_number("1x2")[0]
    (12, None)
    """
    if text.isdigit() and text.isascii() and text[0] != "0" and len(text) <= 7:
        return int(text), ()  # "417": what the general reading gives, without its steps
    return _read_registration_number_text(text)


def _read_registration_number_text(text: str) -> tuple[int | None, tuple[Finding, ...]]:
    """The general reading of :func:`parse_registration_number` (every form)."""
    cleaned = clean_text(text)
    match = _REGISTRATION_NUMBER.match(fold(cleaned))
    if match and int(match.group(1)) > 0:
        return int(match.group(1)), ()
    message = f"{cleaned!r} is not an entry number"
    return None, (Finding.of(IssueCode.REGISTRATION_NUMBER_INVALID, message),)


def _read_registration_number(name: str, text: str, _: int | None) -> _Reading:
    return _reading(name, *parse_registration_number(text))


def _read_sex(name: str, text: str, _: int | None) -> _Reading:
    parsed = parse_sex(text)
    return _reading(name, parsed.value, parsed.findings)


def _read_ethnicity(name: str, text: str, _: int | None) -> _Reading:
    parsed = parse_ethnicity(text)
    return _reading(name, parsed.value, parsed.findings)


def _read_nationality(name: str, text: str, _: int | None) -> _Reading:
    parsed = parse_nationality(text)
    return _reading(name, parsed.value, parsed.findings)


def _read_place(name: str, text: str, _: int | None) -> _Reading:
    parsed = normalize_place(text)
    return _reading(name, parsed.place, parsed.findings)


def _read_personal_id(name: str, text: str, _: int | None) -> _Reading:
    parsed = parse_id_cell(text)
    return _reading(name, parsed.value, parsed.findings)


def _read_time_of_death(name: str, text: str, reference_year: int | None) -> _Reading:
    time, date = parse_death_moment(text, reference_year)
    issues = _issues(name, time.findings)
    if date.value is None:
        return _make(time.value, issues, _PLAIN, None, date.by_year)
    return _make(time.value, issues, _DEATH_DATE, date, date.by_year)


def _read_declarant(name: str, text: str, _: int | None) -> _Reading:
    """The declarant is a name, sometimes followed by the relation: "Lê Văn An (cha)"."""
    cleaned = clean_text(text)
    person, bracket, rest = cleaned.partition("(")
    person = person.strip()  # often a name read before
    known = _NAME_READINGS.get(person) or _name_reading(person)
    full_name = known[0]
    if full_name:
        if not bracket and known.__class__ is _Reading:
            return known  # type: ignore[return-value]
        value = f"{full_name} ({rest}" if bracket else full_name
        return _tuple_new(_Reading, (value, (), _PLAIN, None, False))  # type: ignore[arg-type]
    return _tuple_new(_Reading, (cleaned or None, (), _PLAIN, None, False))  # type: ignore[arg-type]


def _read_text(name: str, text: str, _: int | None) -> _Reading:
    return _make(clean_text(text) or None)


_READERS: dict[str, Reader] = {
    "registration_number": _read_registration_number,
    "registration_date": _read_date,
    "declarant": _read_declarant,
    "notes": _read_text,
    "full_name": _read_name,
    "date_of_birth": _read_date,
    "sex": _read_sex,
    "ethnicity": _read_ethnicity,
    "nationality": _read_nationality,
    "place_of_birth": _read_place,
    "hometown": _read_place,
    "personal_id": _read_personal_id,
    "mother_name": _read_name,
    "mother_birth_year": _read_year,
    "father_name": _read_name,
    "father_birth_year": _read_year,
    "parents_residence": _read_place,
    "last_residence": _read_place,
    "date_of_death": _read_date,
    "time_of_death": _read_time_of_death,
    "place_of_death": _read_place,
    "cause_of_death": _read_text,
}
for _party in ("husband", "wife"):
    _READERS[f"{_party}_full_name"] = _read_name
    _READERS[f"{_party}_date_of_birth"] = _read_date
    _READERS[f"{_party}_ethnicity"] = _read_ethnicity
    _READERS[f"{_party}_nationality"] = _read_nationality
    _READERS[f"{_party}_residence"] = _read_place
    _READERS[f"{_party}_personal_id"] = _read_personal_id

_MEMOS: dict[str, dict[Any, _Reading]] = {name: {} for name in _READERS}
"""Readings by field, then by text (or (text, book year) for two-digit years): registers
repeat their texts (sex, wards, names, dates)."""


def field_reader(name: str) -> Reader | None:
    """The reader normalization applies to the text of field ``name`` (None: no such field)."""
    return _READERS.get(name)


READINGS_LIMIT = 100_000
"""A field's memo is emptied when it holds this many readings (memory stays bounded)."""


def clear_readings() -> None:
    """Forget every remembered reading."""
    for memo in _MEMOS.values():
        memo.clear()
    _NAME_READINGS.clear()
    _DATE_READINGS.clear()


def _read(
    name: str, memo: dict[Any, _Reading], text: str, reference_year: int | None, per_year: bool
) -> _Reading:
    """Read a text not in ``memo`` (field ``name``'s) and remember the reading.

    ``per_year``: the memo holds :data:`_PER_YEAR` for the text (the caller has looked).
    """
    if per_year:
        known = memo.get((text, reference_year))
        if known is not None:
            return known
    elif len(memo) >= READINGS_LIMIT:
        memo.clear()
    if not text or text.isspace():
        memo[text] = _BLANK
        return _BLANK
    reading = _READERS[name](name, text, reference_year)
    if reading[4]:  # by_year
        memo[text] = _PER_YEAR
        memo[(text, reference_year)] = reading
    else:
        memo[text] = reading
    return reading


def _apply_death_date(ctx: _Context, name: str, date: DateParse) -> None:
    """The time-of-death cell stands in for a missing (or blank) date column."""
    if "date_of_death" in ctx.dates:
        return
    ctx.dates["date_of_death"] = date
    ctx.values["date_of_death"] = date.value
    if "date_of_death" not in ctx.raws:
        raws = ctx.raws = dict(ctx.raws)  # the entry's own fields: not ours to change
        raws["date_of_death"] = raws[name]
    ctx.changed.append("date_of_death")
    ctx.collector.extend("date_of_death", date.findings)


# Fields are read in this order (time_of_death after date_of_death: an explicit date wins),
# each with its memo of readings and its bit in the mask of the fields an entry has.
_PLANS = {
    rt: [
        (name, _MEMOS[name], 1 << bit)
        for bit, name in enumerate(name for name in _READERS if name in record_fields(rt))
    ]
    for rt in RegisterType
}
_FIELD_SETS = {rt: frozenset(record_fields(rt)) for rt in RegisterType}
_NAME_FIELDS = {
    rt: [n for n, _, _ in _PLANS[rt] if _READERS[n] is _read_name] for rt in RegisterType
}
_ETHNICITY_FIELDS = {
    rt: [n for n, _, _ in _PLANS[rt] if _READERS[n] is _read_ethnicity] for rt in RegisterType
}
_RECORD_SET_FIELDS = frozenset({"record_id", "ward", "ward_code", "provenance", "issues"})
_RECORDS_FIELDS_SETS: dict[RegisterType, dict[int, set[str]]] = {rt: {} for rt in RegisterType}
"""A record's fields-set by the mask of the fields its entry had: one set per combination,
shared by the records (frozen: pydantic never adds to it)."""


def _record_fields_set(register_type: RegisterType, mask: int) -> set[str]:
    """The fields-set of a record whose entry had the fields of ``mask`` (see ``_PLANS``)."""
    fields_set = set(_RECORD_SET_FIELDS)
    fields_set.update(name for name, _, bit in _PLANS[register_type] if mask & bit)
    _RECORDS_FIELDS_SETS[register_type][mask] = fields_set
    return fields_set


def _record_template(register_type: RegisterType) -> dict[str, Any]:
    """A record's ``__dict__`` before its entry is read: every field, in the model's order.

    The defaults, and ``None`` where the record loop always sets the value (the required
    fields). Copied per record, it holds every key from the start: setting the fields never
    grows (reallocates) the copy, and the order is that of a validated record.
    """
    model = RECORD_MODELS[register_type]
    defaults = field_defaults(model)
    required = set(model.model_fields) - defaults.keys()
    if not required <= _RECORD_SET_FIELDS:
        raise TypeError(f"{model.__name__}: required fields {sorted(required)} are never set")
    return {name: defaults.get(name) for name in model.model_fields}


_RECORD_DEFAULTS = {rt: _record_template(rt) for rt in RegisterType}


# ---- cross-field checks -----------------------------------------------------------------------


def _earliest(value: PartialDate) -> tuple[int, int, int]:
    """First day a partial date can mean, as a comparable (year, month, day)."""
    return value.year, value.month or 1, value.day or 1


def _latest(value: PartialDate) -> tuple[int, int, int]:
    """Last day a partial date can mean; day 31 stands for "the month's last day"."""
    return value.year, value.month or 12, value.day or 31


def _surely_before(first: PartialDate, second: PartialDate) -> bool:
    """``first`` is before ``second`` whatever the unknown parts are."""
    return _latest(first) < _earliest(second)


def _full_age(birth: PartialDate, on: tuple[int, int, int]) -> int:
    """Largest age the person can have on day ``on`` (earliest possible birth)."""
    year, month, day = _earliest(birth)
    return on[0] - year - ((on[1], on[2]) < (month, day))


def _gap_days(earlier: PartialDate, later: PartialDate) -> int | None:
    if earlier.day is None or later.day is None:
        return None
    return (
        dt.date(later.year, later.month or 1, later.day).toordinal()
        - dt.date(earlier.year, earlier.month or 1, earlier.day).toordinal()
    )


def _swap_to_resolve(
    ctx: _Context, fields: tuple[str, ...], is_consistent: Callable[[dict[str, Any]], bool]
) -> str | None:
    """The one field whose day/month swap makes the dates consistent, if exactly one does."""
    hits: list[str] = []
    for name in fields:
        parsed = ctx.dates.get(name)
        swapped = parsed.swapped() if parsed else None
        if swapped is not None and is_consistent({**ctx.values, name: swapped}):
            hits.append(name)
    return hits[0] if len(hits) == 1 else None


def _apply_swap(ctx: _Context, name: str, reason: str) -> None:
    swapped = ctx.dates[name].swapped()
    assert swapped is not None
    written = ctx.values[name]
    ctx.values[name] = swapped
    ctx.changed.append(name)
    ctx.collector.add(
        name,
        IssueCode.DATE_DAY_MONTH_SWAPPED,
        f"read as {swapped}, not {written} (day and month swapped): as written, {reason}",
    )


def _check_order(
    ctx: _Context,
    earlier: str,
    later: str,
    code: IssueCode,
    describe: str,
) -> None:
    """``earlier`` must not be after ``later``; a day/month swap that fixes it is applied."""
    first, second = ctx.values.get(earlier), ctx.values.get(later)
    if first is None or second is None or second.year > first.year:
        return  # the common case, decided by the years alone
    if not isinstance(first, PartialDate) or not isinstance(second, PartialDate):
        return
    if not _surely_before(second, first):
        return  # consistent as written

    def consistent(values: dict[str, Any]) -> bool:
        return not _surely_before(values[later], values[earlier])

    reason = f"{describe} ({later} {second} is before {earlier} {first})"
    fix = _swap_to_resolve(ctx, (earlier, later), consistent)
    if fix is not None:
        _apply_swap(ctx, fix, reason)
        return
    ctx.collector.add(later, code, f"{later} {second} is before {earlier} {first}")


def _check_registration_delay(ctx: _Context, event: str, limit_days: int) -> None:
    """A late registration is noted; a day/month swap that makes it timely is flagged."""
    event_date = ctx.values.get(event)
    registered = ctx.values.get("registration_date")
    if not isinstance(event_date, PartialDate) or not isinstance(registered, PartialDate):
        return
    gap = _gap_days(event_date, registered)
    if gap is None or gap <= limit_days:
        return
    for name, other in ((event, "registration_date"), ("registration_date", event)):
        parsed = ctx.dates.get(name)
        swapped = parsed.swapped() if parsed else None
        if swapped is None:
            continue
        pair = (swapped, ctx.values[other]) if name == event else (ctx.values[other], swapped)
        swapped_gap = _gap_days(*pair)
        if swapped_gap is not None and 0 <= swapped_gap <= limit_days:
            ctx.collector.add(
                name,
                IssueCode.DATE_AMBIGUOUS_DAY_MONTH,
                f"{ctx.values[name]} may have day and month swapped: read as {swapped}, "
                f"registration is {swapped_gap} days after the event instead of {gap}",
            )
            return
    ctx.collector.add(
        "registration_date",
        IssueCode.DATE_LATE_REGISTRATION,
        f"registered {gap} days after the event (limit {limit_days}); a late or repeated "
        "registration",
    )


def _check_future(ctx: _Context) -> None:
    today = ctx.options.today
    this_year = today.year
    values = ctx.values
    for name in ctx.dates:
        value = values.get(name)
        if (
            value is not None
            and value.year >= this_year
            and _earliest(value) > (this_year, today.month, today.day)
        ):
            ctx.collector.add(name, IssueCode.DATE_IN_FUTURE, f"{value} is after today ({today})")
            del ctx.values[name]
            ctx.changed.append(name)


def _check_book_year(ctx: _Context) -> None:
    registered = ctx.values.get("registration_date")
    book_year = ctx.entry.book_year
    if isinstance(registered, PartialDate) and book_year and registered.year != book_year:
        ctx.collector.add(
            "registration_date",
            IssueCode.DATE_OUTSIDE_BOOK_YEAR,
            f"registered in {registered.year}, but the book is for {book_year}",
        )


def _check_parents(ctx: _Context) -> None:
    values = ctx.values
    child = values.get("date_of_birth")
    if child is None or not isinstance(child, PartialDate):
        return
    options = ctx.options
    for name, who, (youngest, oldest) in (
        ("mother_birth_year", "mother", options.mother_age_range),
        ("father_birth_year", "father", options.father_age_range),
    ):
        year = values.get(name)
        if year is None or not isinstance(year, int):
            continue
        age = child.year - year
        if age <= 0:
            ctx.collector.add(
                name,
                IssueCode.PARENT_BORN_AFTER_CHILD,
                f"the {who}, born {year}, is not older than the child, born {child.year}",
            )
        elif not youngest <= age <= oldest:
            ctx.collector.add(
                name,
                IssueCode.PARENT_IMPLAUSIBLE_AGE,
                f"the {who} would have been {age} at the birth ({youngest}-{oldest} expected)",
            )


def _check_age_at_death(ctx: _Context) -> None:
    born, died = ctx.values.get("date_of_birth"), ctx.values.get("date_of_death")
    if isinstance(born, PartialDate) and isinstance(died, PartialDate):
        age = _full_age(born, _earliest(died))
        if age > ctx.options.max_age_years:
            ctx.collector.add(
                "date_of_birth",
                IssueCode.DATE_IMPLAUSIBLE_AGE,
                f"{age} years old at death (more than {ctx.options.max_age_years})",
            )


def _check_marriage_ages(ctx: _Context) -> None:
    registered = ctx.values.get("registration_date")
    if not isinstance(registered, PartialDate):
        return
    on = _latest(registered)
    law_from = ctx.options.marriage_law_2014_from
    older_law = on < (law_from.year, law_from.month, law_from.day)
    for party, minimum in (
        ("husband", ctx.options.husband_min_age),
        ("wife", ctx.options.wife_min_age),
    ):
        born = ctx.values.get(f"{party}_date_of_birth")
        if not isinstance(born, PartialDate):
            continue
        required = minimum - 1 if older_law else minimum
        age = _full_age(born, on)
        if 0 <= age < required:
            ctx.collector.add(
                f"{party}_date_of_birth",
                IssueCode.MARRIAGE_UNDER_LEGAL_AGE,
                f"the {party} was {age} at registration; the law requires {minimum}",
            )


@lru_cache(maxsize=1024)
def _book_province_code(book_ward: str | None) -> str | None:
    """ID province code (pre-2025) of the province named on the book."""
    if not book_ward:
        return None
    parsed = normalize_place(book_ward)
    return province_code_of(parsed.place.province) if parsed.place else None


_MARRIAGE_PARTIES = (
    ("husband_personal_id", Sex.MALE, "husband_date_of_birth"),
    ("wife_personal_id", Sex.FEMALE, "wife_date_of_birth"),
)


def _check_ids(ctx: _Context, register_type: RegisterType) -> None:
    values = ctx.values
    parties: tuple[tuple[str, Sex | None, str], ...]
    if register_type is RegisterType.MARRIAGE:
        parties = _MARRIAGE_PARTIES
    else:
        parties = (("personal_id", values.get("sex"), "date_of_birth"),)
    registered = values.get("registration_date")
    expect_id = (
        registered is not None
        and isinstance(registered, PartialDate)
        and registered.year >= ctx.options.personal_id_from_year
    )
    for id_field, sex, birth_field in parties:
        personal_id = values.get(id_field)
        if personal_id is None:
            raw = ctx.raws.get(id_field)
            if expect_id and (raw is None or not raw.text.strip()):
                ctx.collector.add(
                    id_field,
                    IssueCode.ID_MISSING,
                    f"no personal ID, though registered in {registered.year}",  # type: ignore[union-attr]
                )
            continue
        born = ctx.values.get(birth_field)
        province = None
        if register_type is RegisterType.BIRTH and ctx.options.check_id_province:
            province = _book_province_code(ctx.entry.book_ward)
        found = cross_check_id(
            personal_id,
            sex=sex if isinstance(sex, Sex) else None,
            birth_year=born.year if isinstance(born, PartialDate) else None,
            birth_province_code=province,
        )
        if found:
            ctx.collector.extend(id_field, found)


def _cross_check(ctx: _Context, register_type: RegisterType) -> None:
    """Every cross-field check of the register type, in a fixed order (the issues' order).

    Each check is called only when it can find something: the guards are the checks' own first
    tests (the fields it compares are there; the years alone do not settle the order), read
    again after a check that may swap a date's day and month.
    """
    options = ctx.options
    get = ctx.values.get
    if ctx.dates:
        _check_future(ctx)
    if register_type is RegisterType.BIRTH:
        born, registered = get("date_of_birth"), get("registration_date")
        if born is not None and registered is not None:
            if registered.year <= born.year:
                _check_order(
                    ctx,
                    "date_of_birth",
                    "registration_date",
                    IssueCode.DATE_REGISTRATION_BEFORE_EVENT,
                    "the birth was registered before it happened",
                )
            _check_registration_delay(ctx, "date_of_birth", options.birth_registration_days)
        if born is not None:
            _check_parents(ctx)
    elif register_type is RegisterType.DEATH:
        born, died = get("date_of_birth"), get("date_of_death")
        if born is not None and died is not None and died.year <= born.year:
            _check_order(
                ctx,
                "date_of_birth",
                "date_of_death",
                IssueCode.DATE_DEATH_BEFORE_BIRTH,
                "the person died before being born",
            )
        died, registered = get("date_of_death"), get("registration_date")
        if died is not None and registered is not None:
            if registered.year <= died.year:
                _check_order(
                    ctx,
                    "date_of_death",
                    "registration_date",
                    IssueCode.DATE_REGISTRATION_BEFORE_EVENT,
                    "the death was registered before it happened",
                )
            _check_registration_delay(ctx, "date_of_death", options.death_registration_days)
        if born is not None and died is not None:
            _check_age_at_death(ctx)
    elif get("registration_date") is not None:
        for party in ("husband", "wife"):
            born = get(f"{party}_date_of_birth")
            if born is not None and get("registration_date").year <= born.year:
                _check_order(
                    ctx,
                    f"{party}_date_of_birth",
                    "registration_date",
                    IssueCode.DATE_REGISTRATION_BEFORE_EVENT,
                    f"the {party} was born after the marriage",
                )
        _check_marriage_ages(ctx)
    registered, book_year = get("registration_date"), ctx.entry.book_year
    if registered is not None and book_year and registered.year != book_year:
        _check_book_year(ctx)
    _check_ids(ctx, register_type)


# ---- assembly ---------------------------------------------------------------------------------


def _partial_date_notes(ctx: _Context) -> None:
    """A full date expected but only the month or year written: say so (matching must know)."""
    values = ctx.values
    for name, parsed in ctx.dates.items():
        value = values.get(name)
        if (
            value is not None
            and value.day is None
            and isinstance(value, PartialDate)
            and value.precision is not DatePrecision.DAY
        ):
            ctx.collector.add(
                name,
                IssueCode.DATE_PARTIAL,
                f"only the {value.precision.value} is known: {value} ({parsed.form.value})",
            )


def _required(ctx: _Context, register_type: RegisterType) -> None:
    values = ctx.values
    for name in REQUIRED_FIELDS[register_type]:
        if values.get(name) is not None:
            continue
        raw = ctx.raws.get(name)
        if raw is None or not raw.text.strip():
            ctx.collector.add(name, IssueCode.FIELD_MISSING, f"required field {name} is blank")
        else:
            ctx.collector.add(
                name,
                IssueCode.FIELD_MISSING,
                f"required field {name} could not be read from {clean_text(raw.text)!r}",
            )


def _low_confidence(ctx: _Context) -> None:
    threshold = ctx.options.min_confidence
    raws = ctx.raws
    for name, _, _ in _PLANS[ctx.entry.register_type]:  # the record's fields, in reading order
        raw = raws.get(name)
        if raw is None:
            continue
        if name in KEY_FIELDS and raw.confidence < threshold and raw.text.strip():
            ctx.collector.add(
                name,
                IssueCode.LOW_CONFIDENCE,
                f"read with confidence {raw.confidence:.2f} (below {threshold:.2f}); "
                "check the scan",
            )


@lru_cache(maxsize=1024)
def _ward_of_book(book_ward: str | None) -> tuple[str | None, str | None]:
    """New ward name and code of the ward named on the book (a book's entries share it)."""
    if not book_ward:
        return None, None
    parsed = normalize_place(book_ward)
    if parsed.place is None:
        return None, None
    return parsed.place.new_ward, parsed.place.new_ward_code


def normalize_entry(entry: RawEntry, options: NormalizeOptions) -> NormalizedResult:
    """Normalize one raw entry into its register's record, with all of its issues.

    >>> from schemas.records import RawEntry, RawField
    >>> from schemas.values import Provenance
    >>> entry = RawEntry(
    ...     entry_id="e1", register_type="birth", page_shape="ruled_table",
    ...     provenance=Provenance(batch_id="b", source_path="p.png", source_sha256="0" * 64,
    ...                           page_number=1, row_index=1),
    ...     fields={"full_name": RawField(text="NGUYỄN VĂN AN"),
    ...             "date_of_birth": RawField(text="31/02/2001")})
    >>> result = normalize_entry(entry, NormalizeOptions(today=dt.date(2026, 1, 1)))
    >>> result.record.full_name.value, sorted(i.code for i in result.issues)
    ('Nguyễn Văn An', ['date.impossible', 'field.missing', 'field.missing', 'field.missing'])
    """
    register_type = entry.register_type
    ctx = _Context(entry, options)
    fields = entry.fields
    allowed = _FIELD_SETS[register_type]
    if not allowed.issuperset(fields):
        for name in fields:
            if name not in allowed:
                ctx.collector.add(
                    name,
                    IssueCode.FIELD_UNEXPECTED,
                    f"a {register_type.value} record has no field {name}; kept out of the record",
                )
    values, issues = ctx.values, ctx.collector.issues
    dates = ctx.dates
    reference_year = entry.book_year
    page_number = entry.provenance.page_number
    threshold = options.min_confidence
    doubtful = False
    tuple_new = _tuple_new
    data = _RECORD_DEFAULTS[register_type].copy()
    get = fields.get
    new, set_dict, set_fields_set, set_extra, set_private = MAKE_MODEL
    present = 0
    for name, memo, bit in _PLANS[register_type]:
        raw = get(name)
        if raw is None:
            continue
        present |= bit
        text, confidence, bbox, _ = raw
        reading = memo.get(text)
        if reading is None or reading is _PER_YEAR:
            reading = _read(name, memo, text, reference_year, reading is not None)
        value, found, kind, extra, _ = reading
        if value is not None:
            values[name] = value
        if found:
            issues += found
        if kind:
            if kind == _DATE:
                dates[name] = extra
            else:
                _apply_death_date(ctx, name, extra)
        if confidence < threshold:
            doubtful = True
        # FieldValue(value, text, ...) without its __new__'s call (~16 per record)
        data[name] = tuple_new(FieldValue, (value, text, confidence, page_number, bbox))

    _required(ctx, register_type)
    if doubtful:
        _low_confidence(ctx)
    _cross_check(ctx, register_type)
    _partial_date_notes(ctx)

    raws = ctx.raws
    for name in ctx.changed:
        raw = raws[name]
        data[name] = FieldValue(values.get(name), raw.text, raw.confidence, page_number, raw.bbox)
    ward, ward_code = _ward_of_book(entry.book_ward)
    data["record_id"] = entry.entry_id
    data["ward"] = ward
    data["ward_code"] = ward_code
    data["provenance"] = entry.provenance
    data["issues"] = issues
    # the record, as build_frozen makes it (inlined), with the fields-set of its fields' mask
    record = new(RECORD_MODELS[register_type])
    set_dict(record, data)
    fields_set = _RECORDS_FIELDS_SETS[register_type].get(present)
    set_fields_set(record, fields_set or _record_fields_set(register_type, present))
    set_extra(record, None)
    set_private(record, None)
    return NormalizedResult(record)


@contextmanager
def collector_paused(*, promote: bool = False) -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block, and restore it after (also on error).

    Normalization makes ~30 objects per record and no reference cycles: reference counting frees
    all it drops, and the collector's passes over a growing heap of records and memos find
    nothing, yet cost about half the CPU time of a large batch. The collector is process-wide:
    while paused, cycles made by other threads wait until it runs again.

    With ``promote``, the objects made in the block are handed to the collector's oldest
    generation unscanned when it resumes (``gc.freeze()`` then ``gc.unfreeze()``, two list
    splices): otherwise its first young-generation pass scans every one of them (a batch's
    records, ~20 us a record) to find no cycle. They are scanned with the rest of the heap at
    the next full collection, as objects that outlive a batch would be anyway; a cycle another
    thread dropped meanwhile is freed then too. Skipped when anything is frozen (a caller's
    ``gc.freeze()`` is left as it is) or when the collector was off before the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if promote and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def normalize_entries(
    entries: Iterable[RawEntry], options: NormalizeOptions
) -> list[NormalizedResult]:
    """:func:`normalize_entry` over a batch, with the cyclic garbage collector paused.

    The way to normalize many entries at once (a batch, a book): same results, about twice the
    throughput on large batches (see ``bench/normalize.py``). The batch's objects go to the
    collector's oldest generation unscanned (see :func:`collector_paused`).
    """
    with collector_paused(promote=True):
        return [normalize_entry(entry, options) for entry in entries]
