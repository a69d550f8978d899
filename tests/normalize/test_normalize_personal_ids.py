"""Personal ID cells: cleaning, structure, and cross-checks against the record (DOMAIN.md §3)."""

from __future__ import annotations

import pytest

from normalize.personal_ids import cross_check_id, parse_id_cell, province_code_of
from schemas.enums import Sex


@pytest.mark.parametrize(
    "text", ["001090123456", "001 0 90 123456", "001.090.123.456", "CCCD: 001090123456"]
)
def test_valid_cells(text: str) -> None:
    parsed = parse_id_cell(text)
    assert parsed.value == "001090123456" and parsed.findings == ()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("012345678", "personal_id.other_paper"),  # old 9-digit CMND
        ("CMND số 012345678", "personal_id.other_paper"),
        ("Hộ chiếu B1234567", "personal_id.other_paper"),
        ("00109012345", "personal_id.length"),
        ("0010901234567", "personal_id.length"),
        ("999090123456", "personal_id.province_unknown"),
        ("00109O123456", "personal_id.not_digits"),
    ],
)
def test_cells_that_hold_no_valid_id(text: str, code: str) -> None:
    parsed = parse_id_cell(text)
    assert parsed.value is None
    assert [f.code.value for f in parsed.findings] == [code]


@pytest.mark.parametrize(
    ("sex", "year", "province", "codes"),
    [
        (Sex.FEMALE, 1990, "001", []),
        (Sex.MALE, 1990, None, ["personal_id.sex_mismatch"]),
        (Sex.FEMALE, 1991, None, ["personal_id.year_mismatch"]),
        (Sex.FEMALE, 2090, None, ["personal_id.century_mismatch"]),
        (Sex.FEMALE, 1990, "079", ["personal_id.province_mismatch"]),
        (None, None, None, []),
    ],
)
def test_cross_checks(
    sex: Sex | None, year: int | None, province: str | None, codes: list[str]
) -> None:
    findings = cross_check_id(
        "001190123456", sex=sex, birth_year=year, birth_province_code=province
    )
    assert [f.code.value for f in findings] == codes
    assert all(f.severity.value == "error" for f in findings)


def test_province_codes_of_names() -> None:
    assert province_code_of("Thành phố Hà Nội") == "001"
    assert province_code_of("Tỉnh Bà Rịa - Vũng Tàu") == "077"
    assert province_code_of("Thừa Thiên Huế") == "046"
    assert province_code_of("Atlantis") is None
