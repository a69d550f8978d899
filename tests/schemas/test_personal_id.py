"""Personal ID: parsing, cross-checks and generation (DOMAIN.md §3)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.enums import Sex
from schemas.personal_id import (
    PROVINCE_CODES,
    PersonalIdError,
    check_personal_id,
    generate_personal_id,
    make_personal_id,
    parse_personal_id,
)

provinces = st.sampled_from(sorted(PROVINCE_CODES))
sexes = st.sampled_from(list(Sex))
birth_years = st.integers(min_value=1900, max_value=2399)


@pytest.mark.parametrize(
    ("text", "sex", "year", "province"),
    [
        ("001090123456", Sex.MALE, 1990, "Hà Nội"),
        ("001190123456", Sex.FEMALE, 1990, "Hà Nội"),
        ("079205000001", Sex.MALE, 2005, "Hồ Chí Minh"),
        ("048325999999", Sex.FEMALE, 2025, "Đà Nẵng"),
        ("092400000000", Sex.MALE, 2100, "Cần Thơ"),
        ("031 0 45 123456", Sex.MALE, 1945, "Hải Phòng"),
    ],
)
def test_parse_known_ids(text: str, sex: Sex, year: int, province: str) -> None:
    pid = parse_personal_id(text)
    assert (pid.sex, pid.birth_year, pid.province_name) == (sex, year, province)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("00109012345", "personal_id.length"),
        ("0010901234567", "personal_id.length"),
        ("012345678", "personal_id.length"),
        ("00109O123456", "personal_id.not_digits"),
        ("", "personal_id.length"),
        ("００１０９０１２３４５６", "personal_id.not_digits"),  # full-width digits
    ],
)
def test_parse_rejects_non_ids(text: str, code: str) -> None:
    with pytest.raises(PersonalIdError) as caught:
        parse_personal_id(text)
    assert caught.value.code == code


def test_nine_digit_number_is_named_as_old_cmnd() -> None:
    [problem] = check_personal_id("012345678")
    assert "CMND" in problem.message


def test_check_says_what_is_inconsistent() -> None:
    problems = check_personal_id("001305123456", sex=Sex.MALE, birth_year=2005)
    assert [p.message for p in problems] == ["digit 4 says female, born 2000s; record says male"]


def test_check_collects_every_problem() -> None:
    problems = check_personal_id(
        "003190123456", sex=Sex.MALE, birth_year=1991, birth_province_code="001"
    )
    assert [p.code for p in problems] == [
        "personal_id.province_unknown",
        "personal_id.sex_mismatch",
        "personal_id.year_mismatch",
    ]


def test_check_century_and_province_mismatch() -> None:
    problems = check_personal_id(
        "079090123456", sex=Sex.MALE, birth_year=2090, birth_province_code="001"
    )
    assert [p.code for p in problems] == [
        "personal_id.century_mismatch",
        "personal_id.province_mismatch",
    ]
    assert "Hồ Chí Minh (079)" in problems[1].message


def test_consistent_id_has_no_problems() -> None:
    assert check_personal_id("001090123456", sex=Sex.MALE, birth_year=1990) == []


def test_make_rejects_impossible_parts() -> None:
    with pytest.raises(ValueError, match="province"):
        make_personal_id("003", Sex.MALE, 1990, 1)
    with pytest.raises(ValueError, match="birth year"):
        make_personal_id("001", Sex.MALE, 1899, 1)
    with pytest.raises(ValueError, match="serial"):
        make_personal_id("001", Sex.MALE, 1990, 1_000_000)


@given(seed=st.integers(0, 2**32), province=provinces, sex=sexes, year=birth_years)
def test_generated_ids_parse_back_to_their_parts(
    seed: int, province: str, sex: Sex, year: int
) -> None:
    text = generate_personal_id(
        random.Random(seed), sex=sex, birth_year=year, province_code=province
    )
    pid = parse_personal_id(text)
    assert len(text) == 12
    assert (pid.province_code, pid.sex, pid.birth_year) == (province, sex, year)
    assert str(pid) == text
    assert check_personal_id(text, sex=sex, birth_year=year, birth_province_code=province) == []


@given(province=provinces, sex=sexes, year=birth_years, other_year=birth_years)
def test_a_different_birth_year_is_always_caught(
    province: str, sex: Sex, year: int, other_year: int
) -> None:
    text = make_personal_id(province, sex, year, 123)
    codes = {p.code for p in check_personal_id(text, birth_year=other_year)}
    if other_year == year:
        assert codes == set()
    else:
        assert codes & {"personal_id.year_mismatch", "personal_id.century_mismatch"}


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_twelve_digit_string_parses_and_round_trips(text: str) -> None:
    assert parse_personal_id(text).text == text


def test_same_seed_same_ids() -> None:
    def draw(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [generate_personal_id(rng, sex=Sex.FEMALE, birth_year=1980) for _ in range(5)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)
