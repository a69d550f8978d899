"""Civil-register linkage: the typed inputs and the comparisons, blocking and training for them.

:class:`MatchRecord` is one party of a normalized register entry (a birth or death subject, a
husband or wife); :class:`Candidate` is a person of the population DB. Both are turned into the
columns the engine encodes. :data:`CIVIL_SPEC` holds the comparisons (names by part with an
OCR-aware distance, dates by level, IDs, parents, converted addresses, sex), the blocking rules
(none of which keys on a family name alone) and the EM training sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from matching.blocking import BlockingRule, KeyPart
from matching.comparisons import (
    CodeEqual,
    Comparison,
    ComparisonLevel,
    DateAgrees,
    EditsAtMost,
    Else,
    Exact,
    SimilarityAtLeast,
    Swapped,
    TokensContained,
    YearsApartAtMost,
)
from matching.engine import LinkSpec
from matching.frame import (
    CodeField,
    DateField,
    FieldSpec,
    SideEncoding,
    StringField,
    encode_side,
    factorize,
    gc_paused,
)
from matching.model import TrainingSession
from matching.text import NameParts, name_parts, surname_equivalence_key
from normalize.lexicon import COMPOUND_FAMILY_NAMES, FAMILY_NAMES, MIDDLE_NAME_SURNAMES
from normalize.names import canonical_name_text
from normalize.text import fold
from schemas.enums import RegisterType, Sex
from schemas.personal_id import clean_personal_id_text
from schemas.records import BirthRecord, DeathRecord, MarriageRecord, Person, Place
from schemas.store import Party
from schemas.values import FieldValue, PartialDate

NO_MIDDLE_NAME = "-"
"""Middle-name value of a name without one: "no middle name" is a value, not a missing one."""

CONFIDENCE_FIELDS = (
    "name",
    "date_of_birth",
    "sex",
    "personal_id",
    "mother_name",
    "father_name",
    "address",
)
UNCERTAIN_ADDRESS_CONFIDENCE = 0.5
"""An old ward split among new ones converts by a guess: its disagreement weighs half."""

_UNIT_PREFIXES = (
    "thanh pho ",
    "thi tran ",
    "dac khu ",
    "phuong ",
    "tinh ",
    "tp. ",
    "tp ",
    "tt. ",
    "tt ",
    "xa ",
    "p. ",
    "x. ",
)


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One party of a register entry, as matching sees it.

    ``confidence`` holds the OCR confidence of the fields in :data:`CONFIDENCE_FIELDS` (absent:
    not read by OCR, fully trusted). ``auto_link_allowed`` is False when the record carries an
    error-level validation issue. ``event_date`` is the date of death for a death record.
    """

    record_id: str
    party: Party
    register_type: RegisterType
    name: NameParts | None
    date_of_birth: PartialDate | None = None
    sex: Sex | None = None
    personal_id: str | None = None
    mother_name: NameParts | None = None
    father_name: NameParts | None = None
    ward_key: str | None = None
    province_key: str | None = None
    event_date: PartialDate | None = None
    confidence: Mapping[str, float] = field(default_factory=dict, hash=False, compare=False)
    auto_link_allowed: bool = True

    @property
    def key(self) -> tuple[str, Party]:
        return (self.record_id, self.party)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person of the population DB as matching sees it."""

    personal_id: str
    name: NameParts | None
    date_of_birth: PartialDate | None = None
    sex: Sex | None = None
    mother_name: NameParts | None = None
    father_name: NameParts | None = None
    ward_key: str | None = None
    province_key: str | None = None
    date_of_death: PartialDate | None = None


def _strip_unit(text: str) -> str:
    folded = fold(text)
    for prefix in _UNIT_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :].strip()
    return folded


def address_units(text: str | None) -> tuple[str | None, str | None]:
    """(ward key, province key) of an address written in new units: ``…, ward, province``."""
    if not text:
        return None, None
    return _units_of_tail(",".join(text.rsplit(",", 2)[-2:]))


@lru_cache(maxsize=65536)
def _units_of_tail(tail: str) -> tuple[str | None, str | None]:
    parts = [p.strip() for p in tail.split(",") if p.strip()]
    if not parts:
        return None, None
    province = _strip_unit(parts[-1]) or None
    ward = _strip_unit(parts[-2]) if len(parts) >= 2 else None
    if ward and province:
        return f"{province}|{ward}", province
    return None, province


def place_units(place: Place | None) -> tuple[str | None, str | None]:
    """(ward key, province key) of a register address through its conversion to new units."""
    if place is None or not place.new_province:
        return None, None
    province = _strip_unit(place.new_province) or None
    ward = _strip_unit(place.new_ward) if place.new_ward else None
    return (f"{province}|{ward}" if ward and province else None), province


def _text(value: FieldValue[Any]) -> str | None:
    return value.value if isinstance(value.value, str) and value.value.strip() else None


def _confidences(pairs: Iterable[tuple[str, FieldValue[Any]]]) -> dict[str, float]:
    return {
        name: value.confidence
        for name, value in pairs
        if value.confidence is not None and not value.is_missing
    }


def _personal_id(value: FieldValue[str]) -> str | None:
    text = _text(value)
    return clean_personal_id_text(text) if text else None


def match_records(record: BirthRecord | DeathRecord | MarriageRecord) -> list[MatchRecord]:
    """The parties of a normalized record to link (one, or two for a marriage)."""
    allowed = not record.blocking_issues
    if isinstance(record, BirthRecord | DeathRecord):
        place_value = (
            record.parents_residence if isinstance(record, BirthRecord) else record.last_residence
        )
        ward, province = place_units(place_value.value)
        confidence = _confidences(
            [
                ("name", record.full_name),
                ("date_of_birth", record.date_of_birth),
                ("sex", record.sex),
                ("personal_id", record.personal_id),
                ("address", place_value),
            ]
        )
        if place_value.value is not None and place_value.value.uncertain:
            confidence["address"] = min(
                confidence.get("address", 1.0), UNCERTAIN_ADDRESS_CONFIDENCE
            )
        mother = father = None
        event_date = None
        if isinstance(record, BirthRecord):
            mother = name_parts(_text(record.mother_name) or "")
            father = name_parts(_text(record.father_name) or "")
            confidence |= _confidences(
                [("mother_name", record.mother_name), ("father_name", record.father_name)]
            )
        else:
            event_date = record.date_of_death.value
        return [
            MatchRecord(
                record_id=record.record_id,
                party=Party.SUBJECT,
                register_type=record.register_type,
                name=name_parts(_text(record.full_name) or ""),
                date_of_birth=record.date_of_birth.value,
                sex=record.sex.value,
                personal_id=_personal_id(record.personal_id),
                mother_name=mother,
                father_name=father,
                ward_key=ward,
                province_key=province,
                event_date=event_date,
                confidence=confidence,
                auto_link_allowed=allowed,
            )
        ]
    parties = []
    for party, sex in ((Party.HUSBAND, Sex.MALE), (Party.WIFE, Sex.FEMALE)):
        prefix = party.value
        full_name: FieldValue[str] = getattr(record, f"{prefix}_full_name")
        dob: FieldValue[PartialDate] = getattr(record, f"{prefix}_date_of_birth")
        pid: FieldValue[str] = getattr(record, f"{prefix}_personal_id")
        residence: FieldValue[Place] = getattr(record, f"{prefix}_residence")
        ward, province = place_units(residence.value)
        confidence = _confidences(
            [("name", full_name), ("date_of_birth", dob), ("personal_id", pid)]
        )
        parties.append(
            MatchRecord(
                record_id=record.record_id,
                party=party,
                register_type=record.register_type,
                name=name_parts(_text(full_name) or ""),
                date_of_birth=dob.value,
                sex=sex,
                personal_id=_personal_id(pid),
                ward_key=ward,
                province_key=province,
                event_date=record.registration_date.value,
                confidence=confidence,
                auto_link_allowed=allowed,
            )
        )
    return parties


# --- the population side --------------------------------------------------------------------

POPULATION_COLUMNS = (
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "mother_name",
    "father_name",
    "permanent_residence",
    "date_of_death",
)


@dataclass
class PopulationFrame:
    """People of the population DB as columns (one list per field, same length)."""

    personal_id: list[str]
    full_name: list[str | None]
    date_of_birth: list[str | None]
    sex: list[str | None]
    mother_name: list[str | None]
    father_name: list[str | None]
    permanent_residence: list[str | None]
    date_of_death: list[str | None]
    _row_of: dict[str, int] | None = field(default=None, repr=False)
    _columns: dict[str, list[Any]] | None = field(default=None, repr=False)
    _encodings: dict[int, SideEncoding] = field(default_factory=dict, repr=False)

    def encoding(self, fields: Sequence[FieldSpec]) -> SideEncoding:
        """This population encoded for ``fields``, once per frame (training and linking, and
        every batch linked against it, share it)."""
        key = hash(tuple(fields))
        if key not in self._encodings:
            with gc_paused():
                self._encodings[key] = encode_side(fields, population_columns(self))
        return self._encodings[key]

    def __len__(self) -> int:
        return len(self.personal_id)

    @classmethod
    def empty(cls) -> PopulationFrame:
        return cls(*([] for _ in POPULATION_COLUMNS))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PopulationFrame:
        """From rows holding :data:`POPULATION_COLUMNS` (tuples in that order, or mappings)."""
        columns: list[list[Any]] = [[] for _ in POPULATION_COLUMNS]
        for row in rows:
            values = (
                [row.get(name) for name in POPULATION_COLUMNS] if isinstance(row, Mapping) else row
            )
            for column, value in zip(columns, values, strict=True):
                column.append(value.value if hasattr(value, "value") else value)
        return cls(*columns)

    @classmethod
    def from_people(cls, people: Iterable[Person]) -> PopulationFrame:
        return cls.from_rows(
            (
                p.personal_id,
                p.full_name,
                p.date_of_birth.iso() if p.date_of_birth else None,
                p.sex.value if p.sex else None,
                p.mother_name,
                p.father_name,
                p.permanent_residence,
                p.date_of_death.iso() if p.date_of_death else None,
            )
            for p in people
        )

    def row_of(self, personal_id: str) -> int | None:
        if self._row_of is None:
            self._row_of = {pid: row for row, pid in enumerate(self.personal_id)}
        return self._row_of.get(personal_id)

    def take(self, rows: Sequence[int]) -> PopulationFrame:
        return PopulationFrame(
            *([getattr(self, name)[r] for r in rows] for name in POPULATION_COLUMNS)
        )

    def concat(self, other: PopulationFrame) -> PopulationFrame:
        """Both frames, a person present in both kept once (``other``'s row wins)."""
        seen = set(other.personal_id)
        keep = [r for r, pid in enumerate(self.personal_id) if pid not in seen]
        head = self.take(keep)
        return PopulationFrame(
            *(getattr(head, name) + getattr(other, name) for name in POPULATION_COLUMNS)
        )

    def candidate(self, row: int) -> Candidate:
        ward, province = address_units(self.permanent_residence[row])
        sex = self.sex[row]
        return Candidate(
            personal_id=self.personal_id[row],
            name=name_parts(self.full_name[row] or ""),
            date_of_birth=_partial(self.date_of_birth[row]),
            sex=Sex(sex) if sex else None,
            mother_name=name_parts(self.mother_name[row] or ""),
            father_name=name_parts(self.father_name[row] or ""),
            ward_key=ward,
            province_key=province,
            date_of_death=_partial(self.date_of_death[row]),
        )


def _partial(text: str | None) -> PartialDate | None:
    return PartialDate.parse(text) if text else None


# --- columns for the engine -----------------------------------------------------------------


def _name_columns(names: Sequence[NameParts | None]) -> dict[str, list[str | None]]:
    columns: dict[str, list[str | None]] = {
        "family": [],
        "middle": [],
        "given": [],
        "full_key": [],
    }
    for parts in names:
        if parts is None:
            for column in columns.values():
                column.append(None)
            continue
        columns["family"].append(parts.family or None)
        columns["middle"].append(parts.middle or NO_MIDDLE_NAME)
        columns["given"].append(parts.given)
        columns["full_key"].append(parts.key)
    return columns


def _parent_column(names: Sequence[NameParts | None]) -> list[str | None]:
    return [parts.full if parts else None for parts in names]


_COMPOUND_PREFIXES = frozenset(" ".join(name.split()[:2]) for name in COMPOUND_FAMILY_NAMES)


@lru_cache(maxsize=65536)
def _word_forms(word: str) -> tuple[str, str]:
    """(canonical, folded) form of one written word of a name."""
    canonical = canonical_name_text(word)
    return canonical, fold(canonical)


@lru_cache(maxsize=4096)
def _family_key(folded: str) -> str:
    return surname_equivalence_key(folded)


def _needs_full_split(words: list[str]) -> bool:
    """Whether :func:`normalize.names.split_name` could take more than the first word as the
    family name: a compound family name, or two family names before two more words."""
    if f"{words[0]} {words[1]}" in _COMPOUND_PREFIXES:
        return True
    return (
        len(words) >= 4
        and words[0] in FAMILY_NAMES
        and words[1] in FAMILY_NAMES
        and words[1] not in MIDDLE_NAME_SURNAMES
    )


def _quick_parts(text: str) -> tuple[str | None, str, str | None, str | None]:
    """(family, middle, given, key) as :func:`name_parts` gives them, at a fraction of its cost.

    Splitting differs from first/middle/last word only when the name may start with a compound
    or with two family names: those few go through :func:`name_parts` itself.
    """
    forms = [_word_forms(word) for word in text.split()]
    forms = [form for form in forms if form[0]]
    if not forms:
        return None, NO_MIDDLE_NAME, None, None
    if len(forms) == 1:
        return None, NO_MIDDLE_NAME, forms[0][0], forms[0][1]
    if len(forms) >= 3 and _needs_full_split([form[0] for form in forms]):
        parts = name_parts(text)
        if parts is None:
            return None, NO_MIDDLE_NAME, None, None
        return parts.family or None, parts.middle or NO_MIDDLE_NAME, parts.given, parts.key
    middle = " ".join(form[0] for form in forms[1:-1])
    key = " ".join([_family_key(forms[0][1]), *(form[1] for form in forms[1:])])
    return forms[0][0], middle or NO_MIDDLE_NAME, forms[-1][0], key


def _canonical_full(text: str) -> str | None:
    words = [_word_forms(word)[0] for word in text.split()]
    return " ".join(w for w in words if w) or None


def _by_distinct(values: Sequence[str | None], function) -> list:
    """``function`` of every value, computed once per distinct value (names repeat a lot)."""
    codes, distinct = factorize(values)
    results = [function(value) if value is not None else None for value in distinct]
    results.append(None)  # code -1: missing
    table = np.empty(len(results), dtype=object)
    table[:] = results
    return table[codes].tolist()


def _name_columns_of_text(names: Sequence[str | None]) -> dict[str, list]:
    quick = _by_distinct(names, _quick_parts)
    columns: dict[str, list] = {"family": [], "middle": [], "given": [], "full_key": []}
    for parts in quick:
        family, middle, given, key = parts if parts is not None else (None, None, None, None)
        columns["family"].append(family)
        columns["middle"].append(middle)
        columns["given"].append(given)
        columns["full_key"].append(key)
    return columns


def record_columns(
    records: Sequence[MatchRecord],
) -> tuple[dict[str, list[Any]], dict[str, list[float | None]]]:
    """The left side's columns and OCR confidences."""
    columns: dict[str, list[Any]] = _name_columns([r.name for r in records])
    columns["personal_id"] = [r.personal_id for r in records]
    columns["date_of_birth"] = [r.date_of_birth.iso() if r.date_of_birth else None for r in records]
    columns["sex"] = [r.sex.value if r.sex else None for r in records]
    columns["mother"] = _parent_column([r.mother_name for r in records])
    columns["father"] = _parent_column([r.father_name for r in records])
    columns["ward"] = [r.ward_key for r in records]
    columns["province"] = [r.province_key for r in records]
    confidence = {name: [r.confidence.get(name) for r in records] for name in CONFIDENCE_FIELDS}
    return columns, confidence


def population_columns(frame: PopulationFrame) -> dict[str, list[Any]]:
    """The right side's columns, computed once per frame (training and linking share them).

    One pass per distinct name or address: a million rows hold a few hundred thousand names and
    a few thousand addresses. A frame is not to be changed once its columns were asked for.
    """
    if frame._columns is None:
        frame._columns = _population_columns(frame)
    return frame._columns


def _population_columns(frame: PopulationFrame) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = _name_columns_of_text(frame.full_name)
    columns["personal_id"] = list(frame.personal_id)
    columns["date_of_birth"] = list(frame.date_of_birth)
    columns["sex"] = [s.value if isinstance(s, Sex) else s for s in frame.sex]
    columns["mother"] = _by_distinct(frame.mother_name, _canonical_full)
    columns["father"] = _by_distinct(frame.father_name, _canonical_full)
    units = _by_distinct(frame.permanent_residence, address_units)
    columns["ward"] = [u[0] if u else None for u in units]
    columns["province"] = [u[1] if u else None for u in units]
    return columns


# --- the spec -------------------------------------------------------------------------------


def _fold_by_words(text: str) -> str:
    """:func:`fold`, word by cached word: names are made of a few thousand distinct words."""
    return " ".join([_word_fold(word) for word in text.split()])


@lru_cache(maxsize=1 << 16)
def _word_fold(word: str) -> str:
    return fold(word)


def _parent_key(text: str) -> str:
    words = [_word_fold(word) for word in text.split()]
    if not words:
        return ""
    return " ".join([_family_key(words[0]), *words[1:]])


CIVIL_FIELDS = (
    StringField("family", fold=_fold_by_words, key=_family_key, vocabulary="name"),
    StringField("middle", fold=_fold_by_words, vocabulary="name"),
    StringField("given", fold=_fold_by_words, vocabulary="name"),
    StringField("full_key"),
    StringField("personal_id"),
    DateField("date_of_birth"),
    CodeField("sex"),
    StringField("mother", fold=_fold_by_words, key=_parent_key, vocabulary="parents"),
    StringField("father", fold=_fold_by_words, key=_parent_key, vocabulary="parents"),
    CodeField("ward"),
    CodeField("province"),
)


def _parent_comparison(name: str, column: str) -> Comparison:
    return Comparison(
        name=name,
        null_fields=(column,),
        confidence=f"{column}_name",
        levels=(
            ComparisonLevel("exact", Exact(column), m=0.6, u=0.0005),
            ComparisonLevel("folded", Exact(column, "key"), m=0.2, u=0.001),
            ComparisonLevel("ocr_close", SimilarityAtLeast(column, "ocr", 0.85), m=0.1, u=0.005),
            ComparisonLevel("ocr_near", SimilarityAtLeast(column, "ocr", 0.65), m=0.05, u=0.05),
            ComparisonLevel("else", Else(), m=0.05, u=0.94),
        ),
    )


CIVIL_COMPARISONS = (
    Comparison(
        name="personal_id",
        null_fields=("personal_id",),
        confidence="personal_id",
        levels=(
            ComparisonLevel("exact", Exact("personal_id"), m=0.9, u=1e-6),
            ComparisonLevel("one_edit", EditsAtMost("personal_id", 1), m=0.07, u=1e-5),
            ComparisonLevel("else", Else(), m=0.03, u=0.99999),
        ),
    ),
    Comparison(
        name="family_name",
        null_fields=("family",),
        confidence="name",
        description="compound: one family name within the other's ('Nguyễn' / 'Nguyễn Phúc')",
        levels=(
            ComparisonLevel("exact", Exact("family"), m=0.85, u=0.15, tf=True),
            ComparisonLevel("equivalent", Exact("family", "key"), m=0.1, u=0.01, tf=True),
            ComparisonLevel("compound", TokensContained("family", "key"), m=0.01, u=0.0005),
            ComparisonLevel("ocr_close", SimilarityAtLeast("family", "ocr", 0.6), m=0.03, u=0.02),
            ComparisonLevel("swapped", Swapped("family", "given"), m=0.01, u=0.0001),
            ComparisonLevel("else", Else(), m=0.01, u=0.82),
        ),
    ),
    Comparison(
        name="middle_name",
        null_fields=("middle",),
        confidence="name",
        levels=(
            ComparisonLevel("exact", Exact("middle"), m=0.8, u=0.2),
            ComparisonLevel("folded", Exact("middle", "folded"), m=0.1, u=0.01),
            ComparisonLevel(
                "dropped",
                TokensContained("middle", "folded", empty=NO_MIDDLE_NAME),
                m=0.05,
                u=0.05,
            ),
            ComparisonLevel("ocr_close", SimilarityAtLeast("middle", "ocr", 0.6), m=0.03, u=0.05),
            ComparisonLevel("else", Else(), m=0.02, u=0.69),
        ),
    ),
    Comparison(
        name="given_name",
        null_fields=("given",),
        confidence="name",
        levels=(
            ComparisonLevel("exact", Exact("given"), m=0.85, u=0.02, tf=True),
            ComparisonLevel("folded", Exact("given", "folded"), m=0.08, u=0.005, tf=True),
            ComparisonLevel("ocr_close", SimilarityAtLeast("given", "ocr", 0.75), m=0.04, u=0.02),
            ComparisonLevel("else", Else(), m=0.03, u=0.955),
        ),
    ),
    Comparison(
        name="date_of_birth",
        null_fields=("date_of_birth",),
        confidence="date_of_birth",
        levels=(
            ComparisonLevel("exact", DateAgrees("date_of_birth", "exact"), m=0.85, u=3e-5),
            ComparisonLevel(
                "day_month_swapped",
                DateAgrees("date_of_birth", "day_month_swapped"),
                m=0.02,
                u=3e-5,
            ),
            ComparisonLevel(
                "month_as_known", DateAgrees("date_of_birth", "month_as_known"), m=0.02, u=2e-4
            ),
            ComparisonLevel(
                "same_month", DateAgrees("date_of_birth", "same_month"), m=0.04, u=1e-3
            ),
            ComparisonLevel(
                "year_as_known", DateAgrees("date_of_birth", "year_as_known"), m=0.05, u=2e-3
            ),
            ComparisonLevel("same_year", DateAgrees("date_of_birth", "same_year"), m=0.05, u=0.012),
            ComparisonLevel("within_a_year", YearsApartAtMost("date_of_birth", 1), m=0.02, u=0.025),
            ComparisonLevel("else", Else(), m=0.02, u=0.96),
        ),
    ),
    Comparison(
        name="sex",
        null_fields=("sex",),
        confidence="sex",
        estimate_m=False,
        description="m is not estimated: gendered middle names make sex agree inside name blocks",
        levels=(
            ComparisonLevel("agree", CodeEqual("sex"), m=0.99, u=0.5),
            ComparisonLevel("else", Else(), m=0.01, u=0.5),
        ),
    ),
    _parent_comparison("mother_name", "mother"),
    _parent_comparison("father_name", "father"),
    Comparison(
        name="address",
        null_fields=("province",),
        confidence="address",
        levels=(
            ComparisonLevel("same_ward", CodeEqual("ward"), m=0.6, u=0.01),
            ComparisonLevel("same_province", CodeEqual("province"), m=0.3, u=0.2),
            ComparisonLevel("else", Else(), m=0.1, u=0.79),
        ),
    ),
)

CIVIL_BLOCKING_RULES = (
    BlockingRule("personal_id", (KeyPart("personal_id"),), max_block_size=20),
    BlockingRule(
        "family+given+year",
        (KeyPart("family", "key"), KeyPart("given", "folded"), KeyPart("date_of_birth", "year")),
        max_block_size=300,
    ),
    # a misread year digit: the whole name must then agree
    BlockingRule(
        "full_name+year±1",
        (
            KeyPart("family", "key"),
            KeyPart("middle", "folded"),
            KeyPart("given", "folded"),
            KeyPart("date_of_birth", "year"),
        ),
        year_tolerance=1,
        max_block_size=300,
    ),
    # day and month unordered: a swapped date still meets its person
    BlockingRule(
        "dob+family",
        (KeyPart("date_of_birth", "date_any_order"), KeyPart("family", "key")),
        max_block_size=300,
    ),
    BlockingRule(
        "dob+given",
        (KeyPart("date_of_birth", "date_any_order"), KeyPart("given", "folded")),
        max_block_size=300,
    ),
    # a misspelt given name with a year-only date: the rest of the name and the year
    BlockingRule(
        "family+middle+year",
        (KeyPart("family", "key"), KeyPart("middle", "folded"), KeyPart("date_of_birth", "year")),
        max_block_size=30,
    ),
    # a mistyped end of the serial: the first nine digits, with the family name
    BlockingRule(
        "id_prefix+family",
        (KeyPart("personal_id", "prefix", length=9), KeyPart("family", "key")),
        max_block_size=50,
    ),
    BlockingRule(
        "mother+year",
        (KeyPart("mother", "key"), KeyPart("date_of_birth", "year")),
        max_block_size=100,
    ),
    # A rare full name is worth a pair whatever the dates say; a common one is not.
    BlockingRule("full_name", (KeyPart("full_key"),), max_block_size=10),
)

CIVIL_TRAINING = (
    # Matches dominate both kinds of block; a block on names would not do: namesakes sharing a
    # family, middle and given name are common enough to pull EM to "same name = match".
    TrainingSession(
        BlockingRule("train:dob", (KeyPart("date_of_birth", "date"),), max_block_size=200),
        skip=("date_of_birth",),
    ),
    TrainingSession(
        BlockingRule("train:personal_id", (KeyPart("personal_id"),), max_block_size=5),
        skip=("personal_id",),
    ),
)

CIVIL_SPEC = LinkSpec(
    fields=CIVIL_FIELDS,
    comparisons=CIVIL_COMPARISONS,
    blocking_rules=CIVIL_BLOCKING_RULES,
    training=CIVIL_TRAINING,
)
