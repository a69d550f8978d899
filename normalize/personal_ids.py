"""Personal ID cells: clean the text, check the structure, cross-check it with the record.

The checks themselves live in :mod:`schemas.personal_id` (DOMAIN.md §3); this module turns what a
register cell holds ("CCCD: 001 0 90 123456", an old 9-digit CMND, a passport number) into a
12-digit value or a reasoned doubt, and maps the checks' problems to issue codes.

>>> parse_id_cell("Số ĐDCN: 001.090.123.456").value
'001090123456'
>>> [f.code.value for f in parse_id_cell("012345678").findings]
['personal_id.other_paper']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from normalize.issues import Finding, IssueCode
from normalize.text import clean_text, fold
from schemas.enums import Sex
from schemas.personal_id import (
    FIRST_CENTURY,
    LAST_BIRTH_YEAR,
    PROVINCE_CODES,
    century_sex_digit,
    check_personal_id,
    clean_personal_id_text,
)

_LABEL = re.compile(
    r"^(?:so\s+)?(?:dinh danh(?:\s+ca nhan)?|ddcn|cccd|can cuoc(?:\s+cong dan)?|cmnd|so)\b\s*:?\s*"
)
_OTHER_PAPER = re.compile(r"\bcmnd\b|chung minh|ho chieu|passport")
_STRUCTURAL = frozenset(
    {"personal_id.not_digits", "personal_id.length", "personal_id.province_unknown"}
)
_PROVINCE_KEYS = {re.sub(r"[\s\-]", "", fold(name)): code for code, name in PROVINCE_CODES.items()}
_PROVINCE_PREFIX = re.compile(r"^(?:thanh pho|tinh)\s+")


@dataclass(frozen=True, slots=True)
class IdParse:
    """A 12-digit ID (``None`` when the cell is blank or holds no valid ID) and doubts."""

    value: str | None
    findings: tuple[Finding, ...] = ()


def _finding(code: str, message: str) -> Finding:
    return Finding.of(IssueCode(code), message)


def parse_id_cell(text: str) -> IdParse:
    """Read an ID cell; structural problems (length, digits, province code) become doubts.

    An ID whose province digits are no province keeps no value: it cannot be trusted as a
    blocking key.
    """
    if len(text) == 12 and text.isascii() and text.isdigit() and text[:3] in PROVINCE_CODES:
        return IdParse(text)  # the usual cell: nothing to clean, nothing to doubt
    cleaned = clean_text(text)
    if not cleaned:
        return IdParse(None)
    folded = fold(cleaned)
    digits = clean_personal_id_text(_LABEL.sub("", folded))
    if digits.isdigit() and len(digits) == 9:
        message = "a 9-digit number is an old CMND, not a personal ID; kept out of matching"
        return IdParse(None, (Finding.of(IssueCode.ID_OTHER_PAPER, message),))
    if _OTHER_PAPER.search(folded):
        message = f"{cleaned!r} is an identity paper, not a personal ID"
        return IdParse(None, (Finding.of(IssueCode.ID_OTHER_PAPER, message),))
    if not digits.isdigit():
        message = f"{cleaned!r} is not a personal ID (12 digits)"
        return IdParse(None, (Finding.of(IssueCode.ID_NOT_DIGITS, message),))
    problems = check_personal_id(digits)
    if problems:
        return IdParse(None, tuple(_finding(p.code, p.message) for p in problems))
    return IdParse(digits)


def province_code_of(province_name: str | None) -> str | None:
    """Pre-2025 3-digit ID province code of a province name ("Thành phố Hà Nội" -> "001").

    >>> province_code_of("Thành phố Hồ Chí Minh"), province_code_of("Tỉnh Bà Rịa - Vũng Tàu")
    ('079', '077')
    """
    if not province_name:
        return None
    key = _PROVINCE_PREFIX.sub("", fold(province_name))
    return _PROVINCE_KEYS.get(re.sub(r"[\s\-]", "", key))


@lru_cache(maxsize=1024)
def _sex_and_year_digits(sex: Sex, birth_year: int) -> str:
    """Digits 4 to 6 of the ID of a person of ``sex`` born in ``birth_year`` ("090")."""
    return f"{century_sex_digit(sex, birth_year)}{birth_year % 100:02d}"


def _agrees(
    personal_id: str, sex: Sex | None, birth_year: int | None, province: str | None
) -> bool:
    """Fast path for the common case: a 12-digit ID that agrees with everything given."""
    if birth_year is None or sex is None or not FIRST_CENTURY <= birth_year <= LAST_BIRTH_YEAR:
        return False
    return personal_id[3:6] == _sex_and_year_digits(sex, birth_year) and (
        province is None or personal_id[:3] == province
    )


def cross_check_id(
    personal_id: str,
    *,
    sex: Sex | None,
    birth_year: int | None,
    birth_province_code: str | None = None,
) -> list[Finding]:
    """Contradictions between a valid ID and the record's sex, birth year, registration
    province (structural problems were reported when the cell was read).

    >>> [f.code.value for f in cross_check_id("001190123456", sex=Sex.MALE, birth_year=1990)]
    ['personal_id.sex_mismatch']
    """
    if _agrees(personal_id, sex, birth_year, birth_province_code):
        return []
    problems = check_personal_id(
        personal_id, sex=sex, birth_year=birth_year, birth_province_code=birth_province_code
    )
    return [_finding(p.code, p.message) for p in problems if p.code not in _STRUCTURAL]
