"""A synthetic population with families, simulated year by year from 1940 to 2025.

Founding households live in the district in 1940; then each year, in order: scheduled births
(children are planned when a couple marries, and born only if the mother is alive, still
married to the father and under 46), marriages (people queue for the year they wish to marry,
at legal age or later; a person without a partner in the pool may marry someone from outside),
and immigrants (adults, some with their family) who bring the count of people up to a growth
curve ending at exactly the requested size. Each person's age at death is drawn at birth
(child mortality, then a Gompertz law), so the simulation never visits people year by year:
it runs in O(N log N).

Residences are in the register wards (old units) and elsewhere in Hanoi; each residential
group (tổ dân phố) of an old ward lies in one of the new wards the old ward became, so people
of a split ward are truly spread over its new wards.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from schemas.enums import DatePrecision, RegisterType, Sex
from schemas.personal_id import generate_personal_id
from synth.admin import HANOI_PROVINCE_CODE, Atlas, NewWard, OldWard
from synth.names import (
    PersonName,
    SurnameBalance,
    draw_ethnicity,
    draw_given,
    draw_middle,
    draw_name,
)

START_YEAR = 1940
SNAPSHOT_DATE = dt.date(2025, 12, 31)
"""The population DB is as of this day; events after it have not happened."""
REFORM_DATE = dt.date(2025, 7, 1)
"""The 2025 reform of administrative units takes effect (Resolution 202/2025/QH15)."""

LEGAL_MARRIAGE_AGE = {Sex.MALE: 20, Sex.FEMALE: 18}
"""Marriage and Family Laws of 1959, 1986 and 2000: men 20, women 18 (in full years)."""

FIRST_BIRTH_YEAR = 1900
"""Nobody is born earlier: personal IDs encode births from 1900 on."""
GROUPS_PER_WARD = 30
"""Residential groups (tổ dân phố) per ward."""
FOUNDER_SHARE = 0.08
"""Share of the people already living in the district in 1940."""
REGISTER_WARD_SHARE = 0.85
"""Share of households living in the register wards (the rest: elsewhere in Hanoi)."""
OUTSIDE_PARTNER_SHARE = 0.5
"""Share of people finding no partner in the year's pool who marry someone from outside."""

_ORIGIN_PROVINCE_WEIGHTS: dict[str, float] = {
    "36": 8, "34": 8, "38": 8, "33": 6, "30": 6, "40": 6, "35": 5, "27": 5, "26": 5,
    "25": 5, "37": 4, "24": 4, "42": 3, "31": 3, "19": 3, "22": 2, "17": 2, "08": 1,
    "15": 1, "20": 1, "04": 1, "14": 1, "10": 1, "02": 0.5, "44": 1, "45": 0.5, "46": 1,
    "48": 0.5, "79": 0.8,
}  # fmt: skip
"""Where people who move to Hanoi come from (2-digit codes): the Red River delta and the
north-central coast first; every other province gets a small weight."""

_MATERNITY: tuple[tuple[str, str, str, float], ...] = (
    ("Bệnh viện Phụ sản Hà Nội", "Ngọc Khánh", "Ba Đình", 40),
    ("Bệnh viện Phụ sản Trung ương", "Hàng Bông", "Hoàn Kiếm", 35),
    ("Bệnh viện Bạch Mai", "Phương Mai", "Đống Đa", 8),
    ("Bệnh viện Đa khoa Xanh Pôn", "Điện Biên", "Ba Đình", 7),
    ("Bệnh viện Đa khoa Đống Đa", "Quang Trung", "Đống Đa", 5),
    ("Bệnh viện Thanh Nhàn", "Thanh Nhàn", "Hai Bà Trưng", 5),
)
_HOSPITALS: tuple[tuple[str, str, str, float], ...] = (
    ("Bệnh viện Bạch Mai", "Phương Mai", "Đống Đa", 30),
    ("Bệnh viện Hữu nghị Việt Đức", "Hàng Bông", "Hoàn Kiếm", 20),
    ("Bệnh viện Trung ương Quân đội 108", "Bạch Đằng", "Hai Bà Trưng", 12),
    ("Bệnh viện Đa khoa Xanh Pôn", "Điện Biên", "Ba Đình", 10),
    ("Bệnh viện E", "Nghĩa Tân", "Cầu Giấy", 10),
    ("Bệnh viện K", "Hàng Bông", "Hoàn Kiếm", 8),
    ("Bệnh viện Thanh Nhàn", "Thanh Nhàn", "Hai Bà Trưng", 5),
    ("Bệnh viện Hữu Nghị", "Bạch Đằng", "Hai Bà Trưng", 5),
)

_CAUSES_OLD = ("Bệnh già", "Tuổi già", "Suy tim", "Tai biến mạch máu não", "Ung thư phổi",
               "Ung thư gan", "Viêm phổi", "Đột quỵ", "Suy thận", "Nhồi máu cơ tim")  # fmt: skip
_CAUSES_ADULT = ("Tai nạn giao thông", "Ung thư", "Xơ gan", "Nhồi máu cơ tim", "Đột quỵ",
                 "Bệnh hiểm nghèo", "Tai nạn lao động", "Đuối nước", "Suy hô hấp")  # fmt: skip
_CAUSES_CHILD = ("Sinh non", "Suy hô hấp", "Viêm phổi", "Sốt xuất huyết", "Đuối nước")


class Origin(StrEnum):
    """How a person came to the district."""

    FOUNDER = "founder"  # living there in 1940
    NATIVE = "native"  # born there
    IMMIGRANT = "immigrant"  # moved in


@dataclass(frozen=True, slots=True)
class Locus:
    """A place: the old ward, the new ward it truly lies in, and what is written before them."""

    old: OldWard
    new: NewWard
    group: int = 0  # residential group, 0 for a ward-level place
    facility: str = ""  # hospital name, '' for an address

    @property
    def detail(self) -> str:
        return f"Tổ dân phố {self.group}" if self.group else ""

    def canonical(self) -> str:
        """In new units, as the population DB writes it."""
        return self.new.address(", ".join(p for p in (self.facility, self.detail) if p))

    def ward_level(self) -> Locus:
        return Locus(self.old, self.new)


@dataclass(slots=True, eq=False)
class SynthPerson:
    """One person, with everything the DB and the registers need to know."""

    index: int
    name: PersonName
    sex: Sex
    birth_date: dt.date
    birth_precision: DatePrecision  # what anyone knows of the birth date
    ethnicity: str
    birth_province: str  # 2-digit code of the province of birth registration
    place_of_birth: Locus
    hometown: Locus
    origin: Origin
    arrival: dt.date  # birth date for natives and founders' children
    father: int | None = None
    mother: int | None = None
    outside_father: str = ""  # parent names of people born outside the simulation
    outside_mother: str = ""
    death_date: dt.date | None = None
    death_time: str = ""  # "HH:MM", '' when unknown
    death_cause: str = ""
    death_place: Locus | None = None
    residences: list[tuple[dt.date, Locus]] = field(default_factory=list)
    marriages: list[int] = field(default_factory=list)
    personal_id: str = ""  # '' when absent from the DB
    in_db: bool = True

    def alive_on(self, day: dt.date) -> bool:
        return self.death_date is None or self.death_date > day

    def residence_on(self, day: dt.date) -> Locus:
        """Where they lived on ``day`` (their first home for days before it)."""
        for since, locus in reversed(self.residences):
            if since <= day:
                return locus
        return self.residences[0][1]

    @property
    def residence(self) -> Locus:
        return self.residences[-1][1]

    def known_birth_date(self) -> tuple[int, int | None, int | None]:
        """(year, month, day) at the precision the world knows."""
        d = self.birth_date
        if self.birth_precision is DatePrecision.YEAR:
            return d.year, None, None
        if self.birth_precision is DatePrecision.MONTH:
            return d.year, d.month, None
        return d.year, d.month, d.day


@dataclass(slots=True, eq=False)
class Marriage:
    """A marriage; ``registered_at`` is None when it was registered outside the district."""

    index: int
    husband: int
    wife: int
    date: dt.date
    husband_residence: Locus
    wife_residence: Locus
    registered_at: Locus | None


@dataclass(frozen=True, slots=True)
class Registration:
    """An event registered at the ward of ``place`` (old unit before the reform)."""

    register_type: RegisterType
    subject: int  # person index (birth, death) or marriage index
    date: dt.date
    place: Locus
    late: bool = False


@dataclass
class Population:
    """The simulated people, their marriages, and the events registered in Hanoi wards."""

    people: list[SynthPerson]
    marriages: list[Marriage]
    registrations: list[Registration]


@dataclass(frozen=True)
class PopulationSettings:
    """What the population simulation needs."""

    people: int
    seed: int
    register_wards: tuple[OldWard, ...]
    absent_from_db: float


def _day_in_year(rng: random.Random, year: int) -> dt.date:
    start = dt.date(year, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(year + 1, 1, 1) - start).days))


def group_new_ward(ward: OldWard, group: int) -> NewWard:
    """The new ward a residential group of ``ward`` lies in: most groups in the default."""
    if not ward.is_split:
        return ward.default_new_ward
    in_default = round(GROUPS_PER_WARD * 0.7)
    if group <= in_default:
        return ward.default_new_ward
    others = ward.new_wards[1:]
    return others[(group - in_default - 1) % len(others)]


class _Simulation:
    """Mutable state of one run; :func:`simulate_population` drives it."""

    def __init__(self, settings: PopulationSettings, atlas: Atlas) -> None:
        self.settings = settings
        self.rng = random.Random(f"{settings.seed}:population")
        self.atlas = atlas
        self.people: list[SynthPerson] = []
        self.surnames = SurnameBalance()
        self.marriages: list[Marriage] = []
        self.current_marriage: dict[int, int] = {}  # person -> their latest marriage
        self.given_names_by_mother: dict[int, set[str]] = defaultdict(set)
        self.marriage_queue: dict[int, list[int]] = defaultdict(list)  # year -> people
        self.birth_schedule: dict[int, list[int]] = defaultdict(list)  # year -> marriages
        register_keys = {w.key for w in settings.register_wards}
        self.other_hanoi = [w for w in atlas.hanoi_urban_wards() if w.key not in register_keys]
        self.wards_by_province: dict[str, list[OldWard]] = defaultdict(list)
        for ward in sorted(atlas.old_wards.values(), key=lambda w: w.code):
            self.wards_by_province[ward.province_code].append(ward)
        self.origin_provinces = sorted(
            p for p in self.wards_by_province if p != HANOI_PROVINCE_CODE
        )
        self.origin_cum = list(
            itertools.accumulate(
                _ORIGIN_PROVINCE_WEIGHTS.get(p, 0.3) for p in self.origin_provinces
            )
        )
        self.maternity = self._facilities(_MATERNITY)
        self.hospitals = self._facilities(_HOSPITALS)

    @property
    def room(self) -> int:
        return self.settings.people - len(self.people)

    # -- places ---------------------------------------------------------------------------

    def _facilities(
        self, table: tuple[tuple[str, str, str, float], ...]
    ) -> tuple[list[Locus], list[float]]:
        loci = []
        for name, ward, district, _ in table:
            old = self.atlas.find(ward, district, HANOI_PROVINCE_CODE)
            loci.append(Locus(old, old.default_new_ward, facility=name))
        return loci, list(itertools.accumulate(weight for *_, weight in table))

    def _pick(self, table: tuple[list[Locus], list[float]]) -> Locus:
        loci, cum = table
        return loci[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def _origin_province(self) -> str:
        index = bisect.bisect(self.origin_cum, self.rng.random() * self.origin_cum[-1])
        return self.origin_provinces[index]

    def _ward_in(self, province: str) -> Locus:
        old = self.rng.choice(self.wards_by_province[province])
        return Locus(old, old.default_new_ward)

    def _new_residence(self) -> Locus:
        register_wards = self.rng.random() < REGISTER_WARD_SHARE
        old = self.rng.choice(self.settings.register_wards if register_wards else self.other_hanoi)
        group = self.rng.randint(1, GROUPS_PER_WARD)
        return Locus(old, group_new_ward(old, group), group)

    def _birth_place(self, year: int, residence: Locus) -> Locus:
        share_facility = 0.9 if year >= 1975 else 0.5 if year >= 1955 else 0.15
        if self.rng.random() < share_facility:
            return self._pick(self.maternity)
        return residence.ward_level()

    # -- people ---------------------------------------------------------------------------

    def _lifespan(self, birth: dt.date) -> dt.date | None:
        """Date of death (None: alive at the snapshot): child mortality, then Gompertz."""
        rng, year = self.rng, birth.year
        child_mortality = (
            0.10 if year < 1955 else 0.05 if year < 1975 else 0.025 if year < 1995 else 0.012
        )
        if rng.random() < child_mortality:
            age = rng.random() ** 2 * 5
        else:
            mode, slope = (70 if year < 1930 else 74 if year < 1960 else 79), 0.1
            u = 1.0 - rng.random()  # in (0, 1]
            age = mode + math.log(-math.log(u) + math.exp(-slope * mode)) / slope
            age = max(5.0, min(age, 5 + rng.expovariate(0.0015)))  # accidents
        death = birth + dt.timedelta(days=max(1, int(age * 365.25)))
        return death if death <= SNAPSHOT_DATE else None

    def _precision(self, birth_year: int, origin: Origin) -> DatePrecision:
        if birth_year >= 1960:
            return DatePrecision.DAY
        roll, year_only = self.rng.random(), (0.1 if origin is Origin.NATIVE else 0.25)
        if roll < year_only:
            return DatePrecision.YEAR
        return DatePrecision.MONTH if roll < year_only + 0.05 else DatePrecision.DAY

    def _add(self, person: SynthPerson, *, queue_marriage: bool) -> SynthPerson:
        """Register ``person`` (index set here), draw their death, queue their marriage."""
        person.index = len(self.people)
        person.birth_precision = self._precision(person.birth_date.year, person.origin)
        for _ in range(20):  # conditioned on being alive on arrival
            person.death_date = self._lifespan(person.birth_date)
            if person.death_date is None or person.death_date > person.arrival:
                break
        else:
            person.death_date = None
        self.people.append(person)
        self.surnames.add(person.name.surname)
        if queue_marriage:
            self._queue_marriage(person)
        return person

    def _queue_marriage(self, person: SynthPerson) -> None:
        rng = self.rng
        if rng.random() < 0.07:
            return  # never marries
        older = person.birth_date.year < 1960
        mean = (23 if older else 27) if person.sex is Sex.MALE else (20 if older else 24)
        age = max(rng.gauss(mean, 3), LEGAL_MARRIAGE_AGE[person.sex] + 1)
        year = max(person.birth_date.year + round(age), person.arrival.year)
        if year <= SNAPSHOT_DATE.year:
            self.marriage_queue[year].append(person.index)

    def _outsider(
        self,
        sex: Sex,
        birth: dt.date,
        origin: Origin,
        arrival: dt.date,
        residence: Locus,
        *,
        queue_marriage: bool,
    ) -> SynthPerson:
        """A person born outside the simulation: a founder or someone moving in."""
        rng = self.rng
        hanoian = origin is Origin.FOUNDER and rng.random() < 0.75
        province = HANOI_PROVINCE_CODE if hanoian else self._origin_province()
        place = self._ward_in(province)
        if rng.random() < 0.5:
            hometown = place
        else:
            hometown = self._ward_in(province if rng.random() < 0.8 else self._origin_province())
        person = SynthPerson(
            index=-1,
            name=draw_name(rng, sex, birth.year, balance=self.surnames),
            sex=sex,
            birth_date=birth,
            birth_precision=DatePrecision.DAY,
            ethnicity=draw_ethnicity(rng, province, 0.015),
            birth_province=province,
            place_of_birth=place,
            hometown=hometown,
            origin=origin,
            arrival=arrival,
            residences=[(arrival, residence)],
        )
        if origin is Origin.IMMIGRANT:  # the DB knows their parents' names, not them
            father = draw_name(rng, Sex.MALE, birth.year - 28, family=person.name.family)
            person.outside_father = father.full
            person.outside_mother = draw_name(rng, Sex.FEMALE, birth.year - 25).full
        return self._add(person, queue_marriage=queue_marriage)

    def _child(self, marriage: Marriage, birth: dt.date, *, here: bool) -> SynthPerson:
        """A child of ``marriage``; ``here`` when born in Hanoi (else before moving in)."""
        rng = self.rng
        father, mother = self.people[marriage.husband], self.people[marriage.wife]
        sex = Sex.MALE if rng.random() < 0.512 else Sex.FEMALE
        family = father.name.family[:1]
        if birth.year >= 1980 and rng.random() < 0.02 and mother.name.surname != family[0]:
            family = (family[0], mother.name.surname)
        siblings = self.given_names_by_mother[mother.index]
        arrival = birth if here else mother.arrival
        residence = mother.residence_on(arrival)
        name = PersonName(
            family=family,
            middle=draw_middle(rng, sex, birth.year),
            given=draw_given(rng, sex, birth.year, frozenset(siblings)),
        )
        siblings.add(name.given)
        person = SynthPerson(
            index=-1,
            name=name,
            sex=sex,
            birth_date=birth,
            birth_precision=DatePrecision.DAY,
            ethnicity=father.ethnicity if rng.random() < 0.8 else mother.ethnicity,
            birth_province=HANOI_PROVINCE_CODE if here else mother.birth_province,
            place_of_birth=(
                self._birth_place(birth.year, residence)
                if here
                else self._ward_in(mother.birth_province)
            ),
            hometown=father.hometown,
            origin=Origin.NATIVE if here and birth.year >= START_YEAR else mother.origin,
            arrival=arrival,
            father=father.index,
            mother=mother.index,
            residences=[(arrival, residence)],
        )
        return self._add(person, queue_marriage=True)

    # -- families -------------------------------------------------------------------------

    def _children_planned(self, year: int) -> int:
        if year < 1960:
            counts, weights = (1, 2, 3, 4, 5, 6, 7), (5, 10, 15, 20, 20, 15, 15)
        elif year < 1980:
            counts, weights = (1, 2, 3, 4, 5, 6), (8, 18, 25, 25, 15, 9)
        elif year < 1995:
            counts, weights = (0, 1, 2, 3, 4), (3, 15, 45, 27, 10)
        else:
            counts, weights = (0, 1, 2, 3), (5, 20, 55, 20)
        return self.rng.choices(counts, weights)[0]

    def _plan_children(self, marriage: Marriage, *, born_before: dt.date | None = None) -> None:
        """Schedule the couple's children; those due before ``born_before`` are born at once
        (a family that was already there in 1940, or that moves in)."""
        rng = self.rng
        father, mother = self.people[marriage.husband], self.people[marriage.wife]
        year = marriage.date.year + rng.choice((1, 1, 1, 2, 2, 3))
        for _ in range(self._children_planned(marriage.date.year)):
            if year > SNAPSHOT_DATE.year:
                return
            birth = _day_in_year(rng, year)
            if born_before is None or birth >= born_before:
                self.birth_schedule[year].append(marriage.index)
            elif mother.alive_on(birth) and father.alive_on(birth) and self.room > 0:
                here = mother.origin is Origin.FOUNDER
                self._child(marriage, birth, here=here)
            year += rng.choice((2, 2, 3, 3, 4, 5))

    def _marry(
        self,
        husband: SynthPerson,
        wife: SynthPerson,
        date: dt.date,
        *,
        registered: bool,
    ) -> Marriage:
        rng = self.rng
        marriage = Marriage(
            index=len(self.marriages),
            husband=husband.index,
            wife=wife.index,
            date=date,
            husband_residence=husband.residence_on(date),
            wife_residence=wife.residence_on(date),
            registered_at=None,
        )
        self.marriages.append(marriage)
        for person in (husband, wife):
            person.marriages.append(marriage.index)
            self.current_marriage[person.index] = marriage.index
        if registered:  # at either's ward; then they settle with his family or a new home
            marriage.registered_at = (
                marriage.wife_residence if rng.random() < 0.5 else marriage.husband_residence
            )
            home = marriage.husband_residence if rng.random() < 0.65 else self._new_residence()
            for person in (husband, wife):
                if person.residence != home:
                    person.residences.append((date, home))
        for survivor, partner in ((husband, wife), (wife, husband)):
            death = partner.death_date
            if (
                death is not None
                and survivor.alive_on(death)
                and death.year - survivor.birth_date.year < 55
                and rng.random() < 0.35
            ):
                year = death.year + rng.randint(1, 4)
                if year <= SNAPSHOT_DATE.year:
                    self.marriage_queue[year].append(survivor.index)
        return marriage

    def _is_single_on(self, person: SynthPerson, day: dt.date) -> bool:
        current = self.current_marriage.get(person.index)
        if current is None:
            return True
        marriage = self.marriages[current]
        partner = marriage.wife if marriage.husband == person.index else marriage.husband
        death = self.people[partner].death_date
        return death is not None and death + dt.timedelta(days=300) <= day

    # -- the yearly steps -----------------------------------------------------------------

    def found(self) -> None:
        """Households living in the district on 1 January 1940, with their children."""
        rng = self.rng
        start = dt.date(START_YEAR, 1, 1)
        target = max(2, round(self.settings.people * FOUNDER_SHARE))
        while len(self.people) + 2 <= target:
            residence = self._new_residence()
            husband_birth = _day_in_year(rng, rng.randint(1900, 1918))
            wife_birth = _day_in_year(rng, min(1921, husband_birth.year + rng.randint(0, 7)))
            husband, wife = (
                self._outsider(sex, birth, Origin.FOUNDER, start, residence, queue_marriage=False)
                for sex, birth in ((Sex.MALE, husband_birth), (Sex.FEMALE, wife_birth))
            )
            married = _day_in_year(rng, max(wife_birth.year + 19, husband_birth.year + 21))
            married = min(married, start - dt.timedelta(days=1))
            for person in (husband, wife):
                person.residences = [(person.birth_date, residence)]
            marriage = self._marry(husband, wife, married, registered=False)
            self._plan_children(marriage, born_before=start)

    def births(self, year: int) -> None:
        rng = self.rng
        for marriage_index in self.birth_schedule.pop(year, []):
            marriage = self.marriages[marriage_index]
            father, mother = self.people[marriage.husband], self.people[marriage.wife]
            birth = max(_day_in_year(rng, year), marriage.date + dt.timedelta(days=200))
            if (
                self.room <= 0
                or birth > SNAPSHOT_DATE
                or not mother.alive_on(birth)
                or not father.alive_on(birth - dt.timedelta(days=270))
                or self.current_marriage.get(mother.index) != marriage_index
                or (birth - mother.birth_date).days > 46 * 365
            ):
                continue
            twins = 2 if rng.random() < 0.01 and self.room >= 2 else 1
            for _ in range(twins):
                self._child(marriage, birth, here=True)

    def marriages_of(self, year: int) -> None:
        """Pair this year's candidates by age (he at most 3 years younger, 12 older)."""
        rng = self.rng
        mid_year = dt.date(year, 7, 1)
        pool = [
            self.people[i]
            for i in dict.fromkeys(self.marriage_queue.pop(year, []))
            if self.people[i].alive_on(mid_year) and self._is_single_on(self.people[i], mid_year)
        ]
        rng.shuffle(pool)
        men = sorted((p for p in pool if p.sex is Sex.MALE), key=lambda p: p.birth_date)
        women = sorted((p for p in pool if p.sex is Sex.FEMALE), key=lambda p: p.birth_date)
        unpaired: list[SynthPerson] = []
        j = 0
        for woman in women:
            while j < len(men) and (woman.birth_date - men[j].birth_date).days > 12 * 365:
                unpaired.append(men[j])
                j += 1
            k = j
            while k < min(len(men), j + 3) and _related(men[k], woman):
                k += 1
            if k < len(men) and (men[k].birth_date - woman.birth_date).days <= 3 * 365:
                man = men.pop(k)
                if not self._wed(man, woman, year):
                    unpaired += [man, woman]
            else:
                unpaired.append(woman)
        unpaired += men[j:]
        for person in sorted(unpaired, key=lambda p: p.index):
            self._without_partner(person, year)

    def _wed(self, man: SynthPerson, woman: SynthPerson, year: int) -> bool:
        date = max(_day_in_year(self.rng, year), man.arrival, woman.arrival)
        if date.year != year or not (man.alive_on(date) and woman.alive_on(date)):
            return False
        self._plan_children(self._marry(man, woman, date, registered=True))
        return True

    def _without_partner(self, person: SynthPerson, year: int) -> None:
        """Marry someone from outside, or try again next year while young enough."""
        rng = self.rng
        date = max(_day_in_year(rng, year), person.arrival)
        if (
            self.room > 0
            and rng.random() < OUTSIDE_PARTNER_SHARE
            and date.year == year
            and person.alive_on(date)
        ):
            sex = Sex.FEMALE if person.sex is Sex.MALE else Sex.MALE
            gap = rng.randint(0, 6) * (1 if sex is Sex.FEMALE else -1)
            partner_year = min(
                max(person.birth_date.year + gap, FIRST_BIRTH_YEAR),
                year - LEGAL_MARRIAGE_AGE[sex] - 1,
            )
            partner = self._outsider(
                sex,
                _day_in_year(rng, partner_year),
                Origin.IMMIGRANT,
                date,
                person.residence_on(date),
                queue_marriage=False,
            )
            husband, wife = (person, partner) if person.sex is Sex.MALE else (partner, person)
            self._plan_children(self._marry(husband, wife, date, registered=True))
            return
        limit = 45 if person.sex is Sex.MALE else 40
        if year - person.birth_date.year < limit and year < SNAPSHOT_DATE.year:
            self.marriage_queue[year + 1].append(person.index)

    def immigrate(self, year: int) -> None:
        """Bring the count up to the growth curve with people moving in this year."""
        rng = self.rng
        target = min(self.settings.people, round(self.settings.people * _cumulative_share(year)))
        while len(self.people) < target:
            arrival = _day_in_year(rng, year)
            residence = self._new_residence()
            if target - len(self.people) >= 4 and rng.random() < 0.3:
                self._immigrant_family(arrival, residence)
                continue
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            birth = _day_in_year(rng, year - rng.randint(18, 32))
            self._outsider(sex, birth, Origin.IMMIGRANT, arrival, residence, queue_marriage=True)

    def _immigrant_family(self, arrival: dt.date, residence: Locus) -> None:
        rng = self.rng
        husband_birth = _day_in_year(rng, arrival.year - rng.randint(25, 40))
        wife_birth = _day_in_year(rng, husband_birth.year + rng.randint(0, 6))
        husband, wife = (
            self._outsider(sex, birth, Origin.IMMIGRANT, arrival, residence, queue_marriage=False)
            for sex, birth in ((Sex.MALE, husband_birth), (Sex.FEMALE, wife_birth))
        )
        wedding_year = max(wife_birth.year + rng.randint(19, 26), husband_birth.year + 21)
        married = min(_day_in_year(rng, min(arrival.year, wedding_year)), arrival)
        marriage = self._marry(husband, wife, married - dt.timedelta(days=1), registered=False)
        self._plan_children(marriage, born_before=arrival)

    # -- after the last year ----------------------------------------------------------------

    def finish(self) -> Population:
        self._deaths()
        self._identify()
        return Population(self.people, self.marriages, self._registrations())

    def _deaths(self) -> None:
        rng = self.rng
        for person in self.people:
            if person.death_date is None:
                continue
            if rng.random() < 0.85:
                person.death_time = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
            age = (person.death_date - person.birth_date).days / 365.25
            causes = _CAUSES_CHILD if age < 5 else _CAUSES_ADULT if age < 60 else _CAUSES_OLD
            person.death_cause = "" if rng.random() < 0.3 else rng.choice(causes)
            at_home = rng.random() < (0.6 if age >= 75 else 0.35)
            residence = person.residence_on(person.death_date)
            person.death_place = residence if at_home else self._pick(self.hospitals)

    def _identify(self) -> None:
        """Who the DB holds, and their unique personal IDs (DOMAIN.md §3)."""
        rng = random.Random(f"{self.settings.seed}:ids")
        issued: set[str] = set()
        for person in self.people:
            person.in_db = rng.random() >= self.settings.absent_from_db
            if not person.in_db:
                continue
            while True:
                personal_id = generate_personal_id(
                    rng,
                    sex=person.sex,
                    birth_year=person.birth_date.year,
                    province_code="0" + person.birth_province,
                )
                if personal_id not in issued:
                    break
            issued.add(personal_id)
            person.personal_id = personal_id

    def _delay(self, usual_days: int) -> tuple[int, bool]:
        """Days from event to registration, and whether it was registered late."""
        roll = self.rng.random()
        if roll < 0.9:
            return self.rng.randint(1, usual_days), False
        if roll < 0.98:
            return self.rng.randint(usual_days + 1, 365), True
        return self.rng.randint(366, 15 * 365), True

    def _registrations(self) -> list[Registration]:
        registrations: list[Registration] = []
        for person in self.people:
            if person.origin is Origin.NATIVE:
                days, late = self._delay(60)
                date = person.birth_date + dt.timedelta(days=days)
                place = self.people[person.mother].residence_on(person.birth_date)
                registrations.append(
                    Registration(RegisterType.BIRTH, person.index, date, place, late)
                )
            if person.death_date is not None:
                days, late = self._delay(15)
                date = person.death_date + dt.timedelta(days=days)
                place = person.residence_on(person.death_date)
                registrations.append(
                    Registration(RegisterType.DEATH, person.index, date, place, late)
                )
        for marriage in self.marriages:
            if marriage.registered_at is not None:
                registrations.append(
                    Registration(
                        RegisterType.MARRIAGE, marriage.index, marriage.date, marriage.registered_at
                    )
                )
        return [r for r in registrations if r.date <= SNAPSHOT_DATE]


def _related(a: SynthPerson, b: SynthPerson) -> bool:
    """Siblings or half-siblings: never paired."""
    return (a.father is not None and a.father == b.father) or (
        a.mother is not None and a.mother == b.mother
    )


def _cumulative_share(year: int) -> float:
    """Share of all the people created by the end of ``year``: exponential growth to 1."""
    if year >= SNAPSHOT_DATE.year:
        return 1.0
    span = SNAPSHOT_DATE.year - START_YEAR + 1
    return FOUNDER_SHARE * (1 / FOUNDER_SHARE) ** ((year - START_YEAR + 1) / span)


def simulate_population(settings: PopulationSettings, atlas: Atlas) -> Population:
    """Simulate the district's people from 1940 to the snapshot, deterministic by seed."""
    if not settings.register_wards:
        raise ValueError("at least one register ward is needed")
    simulation = _Simulation(settings, atlas)
    simulation.found()
    for year in range(START_YEAR, SNAPSHOT_DATE.year + 1):
        simulation.births(year)
        simulation.marriages_of(year)
        simulation.immigrate(year)
    return simulation.finish()
