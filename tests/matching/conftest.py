"""Small generated populations and register records with known truth, for matching tests."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

import pytest

from matching.civil import MatchRecord, PopulationFrame
from matching.text import name_parts
from schemas.enums import RegisterType, Sex
from schemas.personal_id import generate_personal_id
from schemas.store import Party
from schemas.values import PartialDate

FAMILY_NAMES = (
    ("Nguyễn", 38.4),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.1),
    ("Hoàng", 3.0),
    ("Huỳnh", 2.1),
    ("Phan", 4.5),
    ("Vũ", 2.0),
    ("Võ", 1.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Trương", 0.4),
    ("Đinh", 0.4),
    ("Lâm", 0.3),
    ("Mai", 0.3),
    ("Tạ", 0.2),
    ("Quách", 0.1),
)
MIDDLE = {
    Sex.MALE: ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công"),
    Sex.FEMALE: ("Thị", "Thu", "Ngọc", "Thanh", "Thùy", "Phương"),
}
GIVEN = {
    Sex.MALE: (
        "Anh",
        "Hùng",
        "Dũng",
        "Nam",
        "Tuấn",
        "Hải",
        "Long",
        "Sơn",
        "Thắng",
        "Cường",
        "Đạt",
        "Phúc",
        "Khoa",
        "Trung",
        "Hưng",
        "Bình",
        "Quân",
        "Vinh",
        "Toàn",
        "Lợi",
    ),
    Sex.FEMALE: (
        "Hồng",
        "Lan",
        "Hương",
        "Mai",
        "Linh",
        "Nhung",
        "Trang",
        "Thảo",
        "Hà",
        "Ngọc",
        "Yến",
        "Phượng",
        "Hằng",
        "Dung",
        "Thủy",
        "Vân",
        "Nga",
        "Loan",
        "Hoa",
        "Tâm",
    ),
}
WARDS = ("Phường Tây Hồ", "Phường Hồng Hà", "Phường Ba Đình", "Phường Ngọc Hà", "Xã Đông Anh")


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Synthetic:
    population: PopulationFrame
    records: list[MatchRecord]
    truth: list[str | None]  # true personal_id per record, None when absent from the DB
    true_row: list[int]  # row in the population, -1 when absent


def _name(rng: random.Random, sex: Sex) -> str:
    family = rng.choices([f for f, _ in FAMILY_NAMES], [w for _, w in FAMILY_NAMES])[0]
    return f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _typo(rng: random.Random, text: str) -> str:
    position = rng.randrange(len(text))
    letter = rng.choice("abcdeghiklmnopqrstuvxy")
    return text[:position] + letter + text[position + 1 :]


def make_synthetic(
    people: int = 2000,
    records: int = 400,
    *,
    seed: int = 7,
    absent_share: float = 0.1,
    noise: float = 0.3,
) -> Synthetic:
    """A population and birth records of some of its people (plus absent ones), noisy."""
    rng = random.Random(seed)
    rows = []
    for _ in range(people):
        sex = rng.choice([Sex.MALE, Sex.FEMALE])
        year = rng.randint(1940, 2020)
        dob = PartialDate(year=year, month=rng.randint(1, 12), day=rng.randint(1, 28))
        if year < 1960 and rng.random() < 0.5:
            dob = PartialDate(year=year)
        name = _name(rng, sex)
        family = name.split()[0]
        rows.append(
            (
                generate_personal_id(rng, sex=sex, birth_year=year),
                name,
                dob.iso(),
                sex.value,
                _name(rng, Sex.FEMALE),
                f"{family} {rng.choice(MIDDLE[Sex.MALE])} {rng.choice(GIVEN[Sex.MALE])}",
                f"{rng.randint(1, 99)} Phố Lạc Long Quân, {rng.choice(WARDS)}, Thành phố Hà Nội",
                None,
            )
        )
    population = PopulationFrame.from_rows(rows)
    out_records: list[MatchRecord] = []
    truth: list[str | None] = []
    true_row: list[int] = []
    chosen = rng.sample(range(people), records)
    for index, row in enumerate(chosen):
        pid, name, dob_text, sex_text, mother, father, residence, _ = rows[row]
        absent = rng.random() < absent_share
        if absent:  # someone the DB does not hold: a fresh person
            sex = rng.choice([Sex.MALE, Sex.FEMALE])
            name = _name(rng, sex)
            sex_text = sex.value
            dob_text = PartialDate(
                year=rng.randint(1940, 2020), month=rng.randint(1, 12), day=rng.randint(1, 28)
            ).iso()
            pid = None
            mother, father = _name(rng, Sex.FEMALE), _name(rng, Sex.MALE)
        dob = PartialDate.parse(dob_text)
        written_name = name
        if rng.random() < noise:
            written_name = strip_marks(name)
        if rng.random() < noise / 3:
            written_name = _typo(rng, written_name)
        if rng.random() < noise / 3 and dob.day and dob.day <= 12 and dob.day != dob.month:
            dob = PartialDate(year=dob.year, month=dob.day, day=dob.month)
        written_pid = pid if (pid and rng.random() > noise) else None
        confidence = {"name": rng.uniform(0.6, 1.0)}
        ward = residence.split(", ")[-2] if residence else None
        out_records.append(
            MatchRecord(
                record_id=f"r{index:05d}",
                party=Party.SUBJECT,
                register_type=RegisterType.BIRTH,
                name=name_parts(written_name),
                date_of_birth=dob,
                sex=Sex(sex_text),
                personal_id=written_pid,
                mother_name=name_parts(strip_marks(mother) if rng.random() < noise else mother),
                father_name=name_parts(father),
                ward_key=f"ha noi|{strip_marks(ward).lower().split(' ', 1)[1]}" if ward else None,
                province_key="ha noi",
                confidence=confidence,
            )
        )
        truth.append(None if absent else pid)
        true_row.append(-1 if absent else row)
    return Synthetic(population, out_records, truth, true_row)


@pytest.fixture(scope="session")
def synthetic_factory():
    """:func:`make_synthetic` (test modules cannot import conftest under importlib mode)."""
    return make_synthetic
