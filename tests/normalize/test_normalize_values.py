"""Sex, ethnicity (the 54 GSO groups) and nationality."""

from __future__ import annotations

import pytest

from normalize.ethnicity import ETHNIC_GROUPS, ethnicity_code, parse_ethnicity
from normalize.nationality import parse_nationality
from normalize.sex import parse_sex
from normalize.text import fold
from schemas.enums import Sex


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("Nam", Sex.MALE),
        ("NAM", Sex.MALE),
        ("nam giới", Sex.MALE),
        ("Nữ", Sex.FEMALE),
        ("NỮ", Sex.FEMALE),
        ("NU", Sex.FEMALE),
        ("nữ giới", Sex.FEMALE),
        (" nữ. ", Sex.FEMALE),
    ],
)
def test_sex(text: str, sex: Sex) -> None:
    parsed = parse_sex(text)
    assert parsed.value is sex and parsed.findings == ()


def test_unknown_and_blank_sex() -> None:
    assert [f.code.value for f in parse_sex("Nan").findings] == ["sex.unknown"]
    assert parse_sex("").value is None and parse_sex("").findings == ()


def test_fifty_four_groups_with_two_digit_codes() -> None:
    assert sorted(ETHNIC_GROUPS) == [f"{n:02d}" for n in range(1, 55)]
    names = [name for name, _ in ETHNIC_GROUPS.values()]
    assert len({fold(n) for n in names}) == 54
    for code, (name, aliases) in ETHNIC_GROUPS.items():
        for form in (name, *aliases, f"dân tộc {name}", name.upper()):
            parsed = parse_ethnicity(form)
            assert (parsed.value, parsed.code) == (name, code), form


@pytest.mark.parametrize(
    ("text", "name", "code"),
    [
        ("Kinh", "Kinh", "01"),
        ("dân tộc Kinh", "Kinh", "01"),
        ("DT Tày", "Tày", "02"),
        ("Khơ-me", "Khmer", "05"),
        ("H'Mông", "Mông", "08"),
        ("Êđê", "Ê Đê", "12"),
        ("Jrai", "Gia Rai", "10"),
        ("người Hoa", "Hoa", "04"),
        ("dan toc muong", "Mường", "06"),
        ("Ra Glai", "Ra Glai", "21"),
        ("17", "Chăm", "17"),
    ],
)
def test_ethnicity_aliases(text: str, name: str, code: str) -> None:
    parsed = parse_ethnicity(text)
    assert (parsed.value, parsed.code) == (name, code)
    assert ethnicity_code(name) == code


def test_unknown_ethnicity() -> None:
    parsed = parse_ethnicity("Martian")
    assert parsed.value is None
    assert [f.code.value for f in parsed.findings] == ["ethnicity.unknown"]


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Việt Nam", "Việt Nam"),
        ("VIỆT NAM", "Việt Nam"),
        ("Viet Nam", "Việt Nam"),
        ("VN", "Việt Nam"),
        ("quốc tịch Việt Nam", "Việt Nam"),
        ("Mỹ", "Hoa Kỳ"),
        ("Trung Quốc", "Trung Quốc"),
        ("Cam-pu-chia", "Campuchia"),
    ],
)
def test_nationality(text: str, country: str) -> None:
    parsed = parse_nationality(text)
    assert parsed.value == country and parsed.findings == ()


def test_unknown_nationality_is_kept_as_written() -> None:
    parsed = parse_nationality("Atlantis")
    assert parsed.value == "Atlantis"
    assert [f.code.value for f in parsed.findings] == ["nationality.unknown"]
