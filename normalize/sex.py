"""Sex: Nam / Nữ in any case, with or without diacritics, and the usual longer forms.

>>> parse_sex("NỮ").value, parse_sex("nam giới").value, parse_sex("NU").value
(<Sex.FEMALE: 'F'>, <Sex.MALE: 'M'>, <Sex.FEMALE: 'F'>)
>>> [f.code.value for f in parse_sex("X").findings]
['sex.unknown']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from normalize.issues import Finding, IssueCode
from normalize.text import clean_text, fold
from schemas.enums import Sex

_WORDS: dict[str, Sex] = {
    "nam": Sex.MALE,
    "nam gioi": Sex.MALE,
    "trai": Sex.MALE,
    "con trai": Sex.MALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "nu": Sex.FEMALE,
    "nu gioi": Sex.FEMALE,
    "gai": Sex.FEMALE,
    "con gai": Sex.FEMALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
}


@dataclass(frozen=True, slots=True)
class SexParse:
    """The sex read (``None`` if blank or unknown) and doubts."""

    value: Sex | None
    findings: tuple[Finding, ...] = ()


@lru_cache(maxsize=1024)
def parse_sex(text: str) -> SexParse:
    """Read Nam / Nữ (NAM, NU, nam giới, nữ giới, trai, gái, M, F); never raises."""
    cleaned = clean_text(text)
    if not cleaned:
        return SexParse(None)
    key = fold(cleaned).strip(" .,;:")
    sex = _WORDS.get(key)
    if sex is None:
        message = f"{cleaned!r} is neither Nam nor Nữ"
        return SexParse(None, (Finding.of(IssueCode.SEX_UNKNOWN, message),))
    return SexParse(sex)
