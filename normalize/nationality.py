"""Nationality: "Việt Nam" in all its spellings, and the countries registers meet most.

The canonical value is the Vietnamese short name ("Việt Nam", "Trung Quốc", "Hoa Kỳ").

>>> parse_nationality("VN").value, parse_nationality("Viet Nam").value
('Việt Nam', 'Việt Nam')
>>> parse_nationality("Mỹ").value
'Hoa Kỳ'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from normalize.issues import Finding, IssueCode
from normalize.text import clean_text, fold

# canonical name -> other written forms (English names and ISO alpha-2/alpha-3 codes included)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "Việt Nam": ("VN", "VNM", "Vietnam", "Viet Nam", "Việt", "CHXHCN Việt Nam", "Vietnamese"),
    "Trung Quốc": ("CN", "CHN", "China", "Trung Hoa"),
    "Lào": ("LA", "LAO", "Laos"),
    "Campuchia": ("KH", "KHM", "Cambodia", "Cam-pu-chia", "Căm-pu-chia"),
    "Thái Lan": ("TH", "THA", "Thailand"),
    "Hàn Quốc": ("KR", "KOR", "Korea", "South Korea", "Đại Hàn"),
    "Triều Tiên": ("KP", "PRK", "North Korea", "Bắc Triều Tiên"),
    "Nhật Bản": ("JP", "JPN", "Japan", "Nhật"),
    "Đài Loan": ("TW", "TWN", "Taiwan", "Đài Loan (Trung Quốc)"),
    "Hoa Kỳ": ("US", "USA", "Mỹ", "United States", "Hợp chủng quốc Hoa Kỳ"),
    "Pháp": ("FR", "FRA", "France"),
    "Đức": ("DE", "DEU", "Germany"),
    "Anh": ("GB", "GBR", "United Kingdom", "Vương quốc Anh", "UK"),
    "Nga": ("RU", "RUS", "Russia", "Liên bang Nga"),
    "Úc": ("AU", "AUS", "Australia", "Ô-xtrây-li-a"),
    "Canada": ("CA", "CAN", "Ca-na-đa"),
    "Singapore": ("SG", "SGP", "Xin-ga-po"),
    "Malaysia": ("MY", "MYS", "Ma-lai-xi-a"),
    "Philippines": ("PH", "PHL", "Phi-líp-pin", "Philippin"),
    "Indonesia": ("ID", "IDN", "In-đô-nê-xi-a"),
    "Ấn Độ": ("IN", "IND", "India"),
}

_PREFIX = re.compile(r"^(?:quoc tich|nuoc|qt)\b[\s.:]*")
_NON_KEY = re.compile(r"[\s\-'.()]")


def _key(text: str) -> str:
    return _NON_KEY.sub("", _PREFIX.sub("", fold(text)))


_INDEX: dict[str, str] = {}
for _name, _aliases in COUNTRIES.items():
    for _form in (_name, *_aliases):
        _INDEX.setdefault(_key(_form), _name)


@dataclass(frozen=True, slots=True)
class NationalityParse:
    """The canonical country name (the written text when unknown) and doubts."""

    value: str | None
    findings: tuple[Finding, ...] = ()


@lru_cache(maxsize=2048)
def parse_nationality(text: str) -> NationalityParse:
    """Read a nationality; an unknown one is kept as written, with a warning."""
    cleaned = clean_text(text)
    if not cleaned:
        return NationalityParse(None)
    name = _INDEX.get(_key(cleaned))
    if name is None:
        message = f"{cleaned!r} is not a nationality civreg knows; kept as written"
        return NationalityParse(cleaned, (Finding.of(IssueCode.NATIONALITY_UNKNOWN, message),))
    return NationalityParse(name)
