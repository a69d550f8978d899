"""The synthetic district: a population extract and the register books derived from it.

:func:`generate_district` simulates the people (:mod:`synth.population`), picks the register
wards (Tây Hồ's old wards first, see :mod:`synth.admin`), and writes one
:class:`~synth.books.RegisterBook` per register type, ward and year of the window, each entry as
a clerk would have written it, with discrepancies injected at the rates of
:class:`DiscrepancyRates` and recorded in ``BookEntry.discrepancies``.
:func:`write_district` puts it on disk::

    DIR/population.csv        the population extract (ARCHITECTURE.md), people in the DB only
    DIR/books/<book_id>.json  one RegisterBook each
    DIR/manifest.json         seed, options, counts

Conventions worth knowing:

- Books before the reform date (1 July 2025) belong to an old ward: ``<type>-<old code>-<year>``
  (``birth-00100-1998``); later ones to a new ward: ``<type>-<new code>-<year>-new`` (codes of the
  two eras overlap, e.g. old Tứ Liên and new Hồng Hà are both 00097).
- ``BookEntry.written`` has every field of the register's record model
  (:func:`schemas.records.record_fields`); a blank cell is ``''``. Pre-2014 books have no
  personal-ID column at all: the renderer leaves it out, ``written`` has ``''`` for it.
- Every way ``written`` departs from ``truth`` beyond plain formatting (date format, ``Nam`` for
  ``M``, abbreviations of unit types) is a recorded discrepancy, including the structural ones:
  old units in every address before the reform (``old_address``), no ID before 2016
  (``missing_id``), names in capitals (``capitals``).
- ``truth`` of ``place_of_birth`` names the facility; the extract's ``place_of_birth`` is the
  administrative unit only (what the DB holds), both in new units.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.table import Table

from civreg.errors import ConfigurationError
from schemas.enums import RegisterType, Sex
from schemas.records import Person, record_fields
from synth.admin import Atlas, NewWard, OldWard, load_atlas
from synth.books import ABSENT, BookEntry, Discrepancy, DiscrepancyKind, RegisterBook
from synth.names import SURNAME_VARIANTS, PersonName, draw_name
from synth.population import (
    REFORM_DATE,
    SNAPSHOT_DATE,
    START_YEAR,
    Locus,
    Marriage,
    Population,
    PopulationSettings,
    Registration,
    SynthPerson,
    simulate_population,
)
from synth.writing import (
    ADDRESS_STYLES,
    DateStyle,
    format_date,
    format_time_of_death,
    strip_diacritics,
    swap_diacritic,
    typo,
    write_group,
    write_new_address,
    write_old_address,
)

ID_START_DATE = dt.date(2016, 1, 1)
"""Personal IDs are issued from 2016 (Decree 137/2015): earlier entries have none."""
ERA_2014_YEAR = 2014
"""Books of earlier years follow the forms before the 2014 Law on Civil Status."""
CAPITALS_UNTIL_YEAR = 2005
"""Books up to this year write names in capitals at the 'old books' rate."""

_DIGIT_DATE_STYLES = (DateStyle.SLASH, DateStyle.DASH, DateStyle.DOT, DateStyle.PHRASE)
_FIELDS = {register_type: record_fields(register_type) for register_type in RegisterType}


class DiscrepancyRates(BaseModel):
    """How often each discrepancy is injected; each rate is a probability in [0, 1]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dropped_diacritics: float = Field(0.03, ge=0, le=1, description="Per name written.")
    swapped_diacritics: float = Field(0.04, ge=0, le=1, description="Per name written.")
    surname_variant: float = Field(
        0.2, ge=0, le=1, description="Per name whose surname has a variant (Hoàng, Vũ...)."
    )
    dropped_middle_name: float = Field(0.03, ge=0, le=1, description="Per name written.")
    typo: float = Field(0.02, ge=0, le=1, description="Per name and per personal ID written.")
    day_month_swap: float = Field(
        0.02, ge=0, le=1, description="Per date of birth or death whose day is 12 or less."
    )
    year_only_date: float = Field(0.03, ge=0, le=1, description="Per full date of birth.")
    date_in_words: float = Field(0.02, ge=0, le=1, description="Per date written.")
    capitals_old_books: float = Field(
        0.6, ge=0, le=1, description=f"Share of books up to {CAPITALS_UNTIL_YEAR} in capitals."
    )
    capitals_recent_books: float = Field(
        0.1, ge=0, le=1, description="Share of later books writing names in capitals."
    )
    old_address_after_reform: float = Field(
        0.25, ge=0, le=1, description="Per address written after the reform in old units."
    )
    missing_id: float = Field(0.03, ge=0, le=1, description="Per ID left blank from 2016 on.")
    old_id_card: float = Field(
        0.4, ge=0, le=1, description="Per adult's ID in 2014-2015 books: 9-digit CMND instead."
    )
    absent_from_db: float = Field(0.03, ge=0, le=1, description="Per person: not in the DB.")
    re_registration: float = Field(
        0.01, ge=0, le=1, description="Per event: registered again in a later year."
    )


class DistrictOptions(BaseModel):
    """Everything that determines a district; the same options give the same bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    people: int = Field(ge=50, le=10_000_000, description="People simulated (DB + absent).")
    seed: int
    wards: int = Field(2, ge=1, description="Register wards (old units), Tây Hồ's first.")
    first_year: int = Field(1995, ge=START_YEAR, description="First year of the books.")
    last_year: int = Field(2025, le=SNAPSHOT_DATE.year, description="Last year of the books.")
    rates: DiscrepancyRates = DiscrepancyRates()

    @model_validator(mode="after")
    def _ordered_years(self) -> DistrictOptions:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        return self


class RegisterWard(BaseModel):
    """A register ward: the old unit and the new unit(s) it became."""

    old_name: str
    district: str
    old_code: str
    new_wards: list[str] = Field(description="'<name> (<code>)', the default first.")
    split: bool


class DistrictCounts(BaseModel):
    """What a district holds, by kind."""

    people: int
    people_in_db: int
    books: int
    entries: dict[str, int]
    discrepancies: dict[str, int]


class DistrictManifest(BaseModel):
    """``manifest.json``: what was generated, from what."""

    seed: int
    options: DistrictOptions
    register_wards: list[RegisterWard]
    counts: DistrictCounts


@dataclass
class District:
    """A generated district, in memory."""

    options: DistrictOptions
    register_wards: tuple[OldWard, ...]
    population: Population
    books: list[RegisterBook]

    def manifest(self) -> DistrictManifest:
        entries: Counter[str] = Counter()
        kinds: Counter[str] = Counter({kind.value: 0 for kind in DiscrepancyKind})
        for book in self.books:
            entries[book.register_type.value] += len(book.entries)
            for entry in book.entries:
                kinds.update(d.kind.value for d in entry.discrepancies)
        return DistrictManifest(
            seed=self.options.seed,
            options=self.options,
            register_wards=[
                RegisterWard(
                    old_name=w.name,
                    district=w.district,
                    old_code=w.code,
                    new_wards=[f"{n.name} ({n.code})" for n in w.new_wards],
                    split=w.is_split,
                )
                for w in self.register_wards
            ],
            counts=DistrictCounts(
                people=len(self.population.people),
                people_in_db=sum(p.in_db for p in self.population.people),
                books=len(self.books),
                entries={t.value: entries[t.value] for t in RegisterType},
                discrepancies=dict(kinds),
            ),
        )


# -- books ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """The unit keeping a book: an old ward before the reform, a new ward after."""

    old: OldWard | None
    new: NewWard

    @property
    def code(self) -> str:
        return self.old.code if self.old else self.new.code

    def book_id(self, register_type: RegisterType, year: int) -> str:
        suffix = "" if self.old else "-new"
        return f"{register_type.value}-{self.code}-{year}{suffix}"


@dataclass(frozen=True)
class _Draft:
    """A registration to write, possibly the re-registration of an earlier one."""

    registration: Registration
    sequence: int
    first: _Draft | None = None


@dataclass(frozen=True)
class _BookStyle:
    capitals: bool
    date_style: DateStyle
    address_style: int


def _unit_of(
    registration: Registration, register_keys: set[str], new_keys: set[str]
) -> _Unit | None:
    place = registration.place
    if registration.date < REFORM_DATE:
        return (
            _Unit(place.old, place.old.default_new_ward) if place.old.key in register_keys else None
        )
    return _Unit(None, place.new) if place.new.key in new_keys else None


@dataclass(frozen=True)
class _BookContext:
    """What the entries of one book share."""

    book_id: str
    year: int
    era: Literal["pre2014", "post2014"]
    post_reform: bool


class _EntryWriter:
    """Writes the entries of one book in its clerk's habits, recording each discrepancy.

    ``written``, ``truth`` and ``discrepancies`` are the entry being written.
    """

    def __init__(
        self,
        book: _BookContext,
        *,
        options: DistrictOptions,
        population: Population,
        children: dict[int, list[int]],
    ) -> None:
        self.book = book
        self.rng = random.Random(f"{options.seed}:{book.book_id}")
        self.rates = options.rates
        self.people = population.people
        self.marriages = population.marriages
        self.children = children
        capitals_rate = (
            self.rates.capitals_old_books
            if book.year <= CAPITALS_UNTIL_YEAR
            else self.rates.capitals_recent_books
        )
        self.style = _BookStyle(
            capitals=self.rng.random() < capitals_rate,
            date_style=self.rng.choices(_DIGIT_DATE_STYLES, (70, 10, 10, 10))[0],
            address_style=self.rng.randrange(ADDRESS_STYLES),
        )
        self.on = dt.date(book.year, 1, 1)
        self.written: dict[str, str] = {}
        self.truth: dict[str, str] = {}
        self.discrepancies: list[Discrepancy] = []

    def _note(self, kind: DiscrepancyKind, field: str, detail: str) -> None:
        # Built unvalidated: tens of thousands per district, all from the literals here.
        self.discrepancies.append(
            Discrepancy.model_construct(kind=kind, field=field, detail=detail)
        )

    def _set(self, field: str, written: str, truth: str) -> None:
        self.written[field] = written
        self.truth[field] = truth

    # -- values ---------------------------------------------------------------------------

    def name(self, field: str, name: PersonName, *, slips: bool = True) -> str:
        """A name as written: variant surname, dropped middle name, diacritics, typo, capitals."""
        rng, rates = self.rng, self.rates
        if slips:
            variant = SURNAME_VARIANTS.get(name.surname)
            if variant and rng.random() < rates.surname_variant:
                self._note(DiscrepancyKind.SURNAME_VARIANT, field, f"{name.surname} -> {variant}")
                name = PersonName((variant, *name.family[1:]), name.middle, name.given)
            if name.middle and rng.random() < rates.dropped_middle_name:
                dropped = rng.randrange(len(name.middle))
                self._note(
                    DiscrepancyKind.DROPPED_MIDDLE_NAME, field, f"'{name.middle[dropped]}' left out"
                )
                kept = name.middle[:dropped] + name.middle[dropped + 1 :]
                name = PersonName(name.family, kept, name.given)
        text = name.full
        if slips:
            if rng.random() < rates.dropped_diacritics:
                text = strip_diacritics(text)
                self._note(DiscrepancyKind.DROPPED_DIACRITICS, field, "written without diacritics")
            elif rng.random() < rates.swapped_diacritics and (swapped := swap_diacritic(text, rng)):
                self._note(DiscrepancyKind.SWAPPED_DIACRITICS, field, _changed_word(text, swapped))
                text = swapped
            if rng.random() < rates.typo:
                slipped = typo(text, rng)
                self._note(DiscrepancyKind.TYPO, field, _changed_word(text, slipped))
                text = slipped
        if self.style.capitals:
            text = text.upper()
            self._note(DiscrepancyKind.CAPITALS, field, "written in capitals")
        return text

    def _date_style(self) -> DateStyle:
        if self.rng.random() < 0.15:
            return self.rng.choice(_DIGIT_DATE_STYLES)
        return self.style.date_style

    def date(
        self,
        field: str,
        year: int,
        month: int | None,
        day: int | None,
        *,
        of_birth: bool = False,
        may_swap: bool = False,
    ) -> str:
        """A date as written: the book's format, sometimes year only, swapped, or in words."""
        rng, rates = self.rng, self.rates
        style = self._date_style()
        adult = self.on.year - year >= 14  # a newborn's date is always written in full
        if of_birth and adult and day is not None and rng.random() < rates.year_only_date:
            month = day = None
            self._note(DiscrepancyKind.YEAR_ONLY_DATE, field, "only the year written")
        elif (
            (of_birth or may_swap)
            and day is not None
            and month is not None
            and day <= 12
            and day != month
            and rng.random() < rates.day_month_swap
        ):
            day, month = month, day
            self._note(DiscrepancyKind.DAY_MONTH_SWAP, field, "day and month swapped")
        if rng.random() < rates.date_in_words:
            style = DateStyle.WORDS
            self._note(DiscrepancyKind.DATE_IN_WORDS, field, "written in words")
        return format_date(year, month, day, style)

    def place(self, field: str, locus: Locus) -> None:
        """An address: old units before the reform (and now and then after it)."""
        style = self.style.address_style
        group = write_group(locus.group, style) if locus.group else ""
        detail = ", ".join(part for part in (locus.facility, group) if part)
        if not self.book.post_reform:
            self._note(DiscrepancyKind.OLD_ADDRESS, field, "pre-2025 units")
            text = write_old_address(locus.old, detail, style)
        elif self.rng.random() < self.rates.old_address_after_reform:
            self._note(DiscrepancyKind.OLD_ADDRESS, field, "old units written after the reform")
            text = write_old_address(locus.old, detail, style)
        else:
            text = write_new_address(locus.new, detail, style)
        self._set(field, text, locus.canonical())

    def personal_id(self, field: str, person: SynthPerson) -> None:
        """The ID column: absent person, no column, before IDs, CMND, blank, or a typo."""
        rng = self.rng
        text = ""
        if not person.in_db:
            self._note(
                DiscrepancyKind.ABSENT_FROM_DB, field, "the population DB has no such person"
            )
        elif self.book.era == "pre2014":
            self._note(DiscrepancyKind.MISSING_ID, field, "no ID column in pre-2014 books")
        elif self.on < ID_START_DATE:
            adult = (self.on - person.birth_date).days >= 14 * 365
            if adult and rng.random() < self.rates.old_id_card:
                self._note(DiscrepancyKind.MISSING_ID, field, "old 9-digit CMND written instead")
                text = f"{rng.randrange(10**8, 10**9)}"
            else:
                self._note(DiscrepancyKind.MISSING_ID, field, "before personal IDs (2016)")
        elif rng.random() < self.rates.missing_id:
            self._note(DiscrepancyKind.MISSING_ID, field, "left blank")
        else:
            text = person.personal_id
            if rng.random() < self.rates.typo:
                slipped = typo(text, rng)
                self._note(DiscrepancyKind.TYPO, field, _changed_word(text, slipped))
                text = slipped
        self._set(field, text, person.personal_id)

    def _person(self, prefix: str, person: SynthPerson) -> None:
        """Name, date of birth, ethnicity and nationality of a person under ``prefix``."""
        field = f"{prefix}full_name"
        self._set(field, self.name(field, person.name), person.name.full)
        year, month, day = person.known_birth_date()
        field = f"{prefix}date_of_birth"
        self._set(field, self.date(field, year, month, day, of_birth=True), _iso(year, month, day))
        group = person.ethnicity
        self._set(
            f"{prefix}ethnicity", f"dân tộc {group}" if self.rng.random() < 0.05 else group, group
        )
        self._set(f"{prefix}nationality", "Việt Nam", "Việt Nam")

    def _sex(self, sex: Sex) -> None:
        text = "Nam" if sex is Sex.MALE else "Nữ"
        self._set("sex", text.upper() if self.style.capitals else text, sex.value)

    def _declarant(self, name: PersonName) -> None:
        self._set("declarant", self.name("declarant", name, slips=False), name.full)

    # -- entries --------------------------------------------------------------------------

    def _notes(self, draft: _Draft) -> str:
        if draft.first is not None:
            return "Đăng ký lại"
        if draft.registration.late:
            return "Đăng ký quá hạn"
        return "Đã cấp bản sao" if self.rng.random() < 0.02 else ""

    def entry(self, draft: _Draft, number: int, keys: dict[int, str]) -> BookEntry:
        """The entry numbered ``number``; ``keys`` finds the first of a re-registration."""
        registration = draft.registration
        self.on = registration.date
        self.written, self.truth, self.discrepancies = {}, {}, []
        self._set("registration_number", str(number), str(number))
        on = self.on
        self._set(
            "registration_date",
            self.date("registration_date", on.year, on.month, on.day),
            on.isoformat(),
        )
        notes = self._notes(draft)
        self._set("notes", notes, notes)
        if registration.register_type is RegisterType.MARRIAGE:
            parties = self._marriage(self.marriages[registration.subject])
        else:
            subject = self.people[registration.subject]
            parties = {"subject": subject.personal_id if subject.in_db else ABSENT}
            if registration.register_type is RegisterType.BIRTH:
                self._birth(subject)
            else:
                self._death(subject)
        if draft.first is not None:
            first = keys.get(draft.first.sequence) or (
                f"registered on {draft.first.registration.date.isoformat()}, outside these books"
            )
            self._note(DiscrepancyKind.RE_REGISTRATION, "*", f"registered again; first: {first}")
        order = _FIELDS[registration.register_type]
        return BookEntry(
            entry_key=f"{self.book.book_id}-{number}",
            registration_number=number,
            written={f: self.written[f] for f in order},
            truth={f: self.truth[f] for f in order},
            true_personal_ids=parties,
            discrepancies=self.discrepancies,
        )

    def _birth(self, child: SynthPerson) -> None:
        if child.father is None or child.mother is None:
            raise ValueError(f"person {child.index}: a birth registered without both parents")
        father, mother = self.people[child.father], self.people[child.mother]
        self._person("", child)
        self._sex(child.sex)
        self.place("place_of_birth", child.place_of_birth)
        self.place("hometown", child.hometown)
        self.personal_id("personal_id", child)
        for role, parent in (("mother", mother), ("father", father)):
            field = f"{role}_name"
            self._set(field, self.name(field, parent.name), parent.name.full)
            year = str(parent.birth_date.year)
            self._set(f"{role}_birth_year", year, year)
        self.place("parents_residence", mother.residence_on(child.birth_date))
        self._declarant(self._birth_declarant(child, father, mother).name)

    def _birth_declarant(
        self, child: SynthPerson, father: SynthPerson, mother: SynthPerson
    ) -> SynthPerson:
        """The father mostly, else the mother, a grandfather, or the adult child themself."""
        roll = self.rng.random()
        if (self.on - child.birth_date).days > 18 * 365:
            return child
        grandfather = self.people[father.father] if father.father is not None else None
        if roll < 0.08 and grandfather is not None and grandfather.alive_on(self.on):
            return grandfather
        if roll < 0.8 and father.alive_on(self.on):
            return father
        return mother

    def _death(self, person: SynthPerson) -> None:
        death = person.death_date
        if death is None or person.death_place is None:
            raise ValueError(f"person {person.index}: a death registered for someone alive")
        self._person("", person)
        self._sex(person.sex)
        self.personal_id("personal_id", person)
        self.place("last_residence", person.residence_on(death))
        date = self.date("date_of_death", death.year, death.month, death.day, may_swap=True)
        self._set("date_of_death", date, death.isoformat())
        written = ""
        if person.death_time:
            hour, minute = (int(part) for part in person.death_time.split(":"))
            style = self._date_style()
            if self.rng.random() < self.rates.date_in_words:
                style = DateStyle.WORDS
                self._note(DiscrepancyKind.DATE_IN_WORDS, "time_of_death", "written in words")
            written = format_time_of_death(hour, minute, death, style)
        self._set("time_of_death", written, person.death_time)
        self.place("place_of_death", person.death_place)
        self._set("cause_of_death", person.death_cause, person.death_cause)
        self._declarant(self._death_declarant(person))

    def _death_declarant(self, person: SynthPerson) -> PersonName:
        """The surviving spouse, else an adult child, else a relative outside the DB."""
        for marriage_index in reversed(person.marriages):
            marriage = self.marriages[marriage_index]
            partner_index = marriage.wife if marriage.husband == person.index else marriage.husband
            if self.people[partner_index].alive_on(self.on):
                return self.people[partner_index].name
        children = (self.people[i] for i in self.children.get(person.index, ()))
        adults = [
            c for c in children if c.alive_on(self.on) and (self.on - c.birth_date).days >= 18 * 365
        ]
        if adults:
            return self.rng.choice(adults).name
        sex = Sex.MALE if self.rng.random() < 0.5 else Sex.FEMALE
        return draw_name(self.rng, sex, person.birth_date.year + 25)

    def _marriage(self, marriage: Marriage) -> dict[str, str]:
        self._set("declarant", "", "")
        parties: dict[str, str] = {}
        for role, index, residence in (
            ("husband", marriage.husband, marriage.husband_residence),
            ("wife", marriage.wife, marriage.wife_residence),
        ):
            person = self.people[index]
            self._person(f"{role}_", person)
            self.place(f"{role}_residence", residence)
            self.personal_id(f"{role}_personal_id", person)
            parties[role] = person.personal_id if person.in_db else ABSENT
        return parties


def _changed_word(before: str, after: str) -> str:
    """``'Hồng' -> 'Hông'``: the first word that differs."""
    for old, new in zip(before.split(), after.split(), strict=False):
        if old != new:
            return f"'{old}' -> '{new}'"
    return f"'{before}' -> '{after}'"


def _iso(year: int, month: int | None, day: int | None) -> str:
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _drafts(population: Population, options: DistrictOptions) -> list[_Draft]:
    """Every registration, plus re-registrations of some of them in a later year."""
    rng = random.Random(f"{options.seed}:re-registrations")
    drafts = [_Draft(r, i) for i, r in enumerate(population.registrations)]
    extra: list[_Draft] = []
    for draft in drafts:
        if rng.random() >= options.rates.re_registration:
            continue
        registration = draft.registration
        later = registration.date + dt.timedelta(days=rng.randint(365, 15 * 365))
        if later > SNAPSHOT_DATE:
            later = registration.date + dt.timedelta(
                days=(SNAPSHOT_DATE - registration.date).days // 2 + 1
            )
        if later.year == registration.date.year:
            continue
        again = Registration(
            registration.register_type, registration.subject, later, registration.place
        )
        extra.append(_Draft(again, len(drafts) + len(extra), first=draft))
    return drafts + extra


def _write_books(
    population: Population, register_wards: tuple[OldWard, ...], options: DistrictOptions
) -> list[RegisterBook]:
    register_keys = {w.key for w in register_wards}
    new_keys = {n.key for w in register_wards for n in w.new_wards}
    grouped: dict[tuple[RegisterType, _Unit, int], list[_Draft]] = defaultdict(list)
    for draft in _drafts(population, options):
        year = draft.registration.date.year
        if not options.first_year <= year <= options.last_year:
            continue
        unit = _unit_of(draft.registration, register_keys, new_keys)
        if unit is not None:
            grouped[(draft.registration.register_type, unit, year)].append(draft)

    children: dict[int, list[int]] = defaultdict(list)
    for person in population.people:
        for parent in (person.father, person.mother):
            if parent is not None:
                children[parent].append(person.index)
    books: list[RegisterBook] = []
    keys: dict[int, str] = {}  # draft sequence -> entry key, for re-registration details
    ordered = sorted(
        grouped.items(),
        key=lambda item: (item[0][2], item[0][1].old is None, item[0][0].value, item[0][1].code),
    )
    numbered = []
    for (register_type, unit, year), drafts in ordered:
        drafts.sort(key=lambda d: (d.registration.date, d.sequence))
        book_id = unit.book_id(register_type, year)
        for number, draft in enumerate(drafts, start=1):
            keys[draft.sequence] = f"{book_id}-{number}"
        numbered.append((register_type, unit, year, book_id, drafts))
    for register_type, unit, year, book_id, drafts in numbered:
        era: Literal["pre2014", "post2014"] = "pre2014" if year < ERA_2014_YEAR else "post2014"
        context = _BookContext(book_id, year, era, post_reform=unit.old is None)
        writer = _EntryWriter(context, options=options, population=population, children=children)
        entries = [writer.entry(d, n, keys) for n, d in enumerate(drafts, start=1)]
        books.append(
            RegisterBook(
                book_id=book_id,
                register_type=register_type,
                year=year,
                ward_written=(
                    f"{unit.old.name}, {unit.old.district}, {unit.old.province}"
                    if unit.old
                    else f"{unit.new.name}, {unit.new.province}"
                ),
                ward=unit.new.name,
                ward_code=unit.new.code,
                era=era,
                entries=entries,
            )
        )
    return books


# -- the district -----------------------------------------------------------------------------


def choose_register_wards(atlas: Atlas, count: int) -> tuple[OldWard, ...]:
    candidates = atlas.register_ward_candidates()
    if count > len(candidates):
        raise ConfigurationError(
            f"wards: {count} asked, only {len(candidates)} urban wards of Hanoi exist"
        )
    return tuple(candidates[:count])


def generate_district(options: DistrictOptions) -> District:
    """Simulate the people and write their register books; deterministic by ``options``."""
    atlas = load_atlas()
    register_wards = choose_register_wards(atlas, options.wards)
    population = simulate_population(
        PopulationSettings(
            people=options.people,
            seed=options.seed,
            register_wards=register_wards,
            absent_from_db=options.rates.absent_from_db,
        ),
        atlas,
    )
    books = _write_books(population, register_wards, options)
    return District(options, register_wards, population, books)


def extract_row(
    person: SynthPerson, people: list[SynthPerson], marriages: list[Marriage]
) -> dict[str, str]:
    """One row of the population extract: canonical values, new units."""
    father = people[person.father] if person.father is not None else None
    mother = people[person.mother] if person.mother is not None else None
    spouse = None
    if person.marriages:
        marriage = marriages[person.marriages[-1]]
        spouse = people[marriage.wife if marriage.husband == person.index else marriage.husband]
    year, month, day = person.known_birth_date()
    return {
        "personal_id": person.personal_id,
        "full_name": person.name.full,
        "date_of_birth": _iso(year, month, day),
        "sex": person.sex.value,
        "place_of_birth": person.place_of_birth.ward_level().canonical(),
        "hometown": person.hometown.canonical(),
        "ethnicity": person.ethnicity,
        "nationality": "Việt Nam",
        "permanent_residence": person.residence.canonical(),
        "father_name": father.name.full if father else person.outside_father,
        "father_id": father.personal_id if father else "",
        "mother_name": mother.name.full if mother else person.outside_mother,
        "mother_id": mother.personal_id if mother else "",
        "spouse_name": spouse.name.full if spouse else "",
        "spouse_id": spouse.personal_id if spouse else "",
        "date_of_death": person.death_date.isoformat() if person.death_date else "",
    }


def write_district(district: District, out_dir: Path) -> DistrictManifest:
    """Write the extract, the books and the manifest; stale book files are removed."""
    books_dir = out_dir / "books"
    books_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(books_dir.glob("*.json")):
        stale.unlink()
    people, marriages = district.population.people, district.population.marriages
    with (out_dir / "population.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=Person.EXTRACT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for person in people:
            if person.in_db:
                writer.writerow(extract_row(person, people, marriages))
    for book in district.books:
        (books_dir / f"{book.book_id}.json").write_text(
            book.model_dump_json(indent=1) + "\n", encoding="utf-8"
        )
    manifest = district.manifest()
    (out_dir / "manifest.json").write_text(
        manifest.model_dump_json(indent=1) + "\n", encoding="utf-8"
    )
    return manifest


def summary_table(manifest: DistrictManifest) -> Table:
    """The manifest's counts as a table for the terminal."""
    counts = manifest.counts
    table = Table(title=f"Synthetic district (seed {manifest.seed})", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("people simulated", f"{counts.people:,}")
    table.add_row("people in the DB", f"{counts.people_in_db:,}")
    table.add_row("register wards", ", ".join(w.old_name for w in manifest.register_wards))
    table.add_row("books", f"{counts.books:,}")
    for register_type, count in counts.entries.items():
        table.add_row(f"{register_type} entries", f"{count:,}")
    for kind, count in counts.discrepancies.items():
        table.add_row(f"discrepancy: {kind}", f"{count:,}")
    return table
