"""Ethnicity: the 54 groups of the GSO list with their 2-digit codes and common other names.

Codes follow the GSO classification (Decision 121-TCTK/PPCĐ, 1979), as used by the population
DB: 01 Kinh, 02 Tày, 03 Thái, 04 Hoa, 05 Khmer, 06 Mường, ... 54 Rơ Măm. Written forms vary
("dân tộc Kinh", "Khơ-me", "H'Mông", "Êđê", "Jrai", "người Hoa"): matching is on a key without
diacritics, spaces, hyphens or apostrophes.

>>> parse_ethnicity("dân tộc KINH").value, ethnicity_code("Kinh")
('Kinh', '01')
>>> parse_ethnicity("Khơ-me").value, parse_ethnicity("H'Mông").value, parse_ethnicity("Ê-đê").value
('Khmer', 'Mông', 'Ê Đê')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from normalize.issues import Finding, IssueCode
from normalize.text import clean_text, fold

# code -> (canonical name, other written forms)
ETHNIC_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("Kinh", ("Việt", "Kinh (Việt)", "Người Việt")),
    "02": ("Tày", ("Thổ Tày",)),
    "03": ("Thái", ("Tay Thanh",)),
    "04": ("Hoa", ("Hán", "Hoa (Hán)", "Người Hoa")),
    "05": ("Khmer", ("Khơ Me", "Khơ-me", "Khome", "Khơ-me Krôm", "Miên")),
    "06": ("Mường", ("Mol",)),
    "07": ("Nùng", ()),
    "08": ("Mông", ("H'Mông", "Hmông", "HMông", "Hmong", "Mèo")),
    "09": ("Dao", ("Mán",)),
    "10": ("Gia Rai", ("Gia-rai", "Giarai", "Jrai", "Jarai", "Giơ-rai")),
    "11": ("Ngái", ()),
    "12": ("Ê Đê", ("Ê-đê", "Êđê", "Rađê", "Ra-đê", "Ede")),
    "13": ("Ba Na", ("Ba-na", "Bana", "Bahnar")),
    "14": ("Xơ Đăng", ("Xơ-đăng", "Xê Đăng", "Sedang")),
    "15": ("Sán Chay", ("Sán Chay (Cao Lan - Sán Chỉ)", "Cao Lan", "Sán Chỉ")),
    "16": ("Cơ Ho", ("Cơ-ho", "Kơ Ho", "K'Ho", "Koho")),
    "17": ("Chăm", ("Chàm", "Cham", "Chăm (Chàm)")),
    "18": ("Sán Dìu", ()),
    "19": ("Hrê", ("H're", "Hơ Rê")),
    "20": ("Mnông", ("M'Nông", "Mơ Nông")),
    "21": ("Ra Glai", ("Ra-glai", "Raglai")),
    "22": ("Xtiêng", ("X'tiêng", "Stiêng", "Stieng")),
    "23": ("Bru Vân Kiều", ("Bru-Vân Kiều", "Vân Kiều", "Bru")),
    "24": ("Thổ", ()),
    "25": ("Giáy", ()),
    "26": ("Cơ Tu", ("Cơ-tu", "Katu", "Ca Tu")),
    "27": ("Gié Triêng", ("Giẻ Triêng", "Gié-Triêng", "Giẻ-Triêng", "Triêng")),
    "28": ("Mạ", ()),
    "29": ("Khơ Mú", ("Khơ-mú", "Khmu", "Kmụ")),
    "30": ("Co", ("Cor",)),
    "31": ("Tà Ôi", ("Tà-ôi", "Ta Oi", "Pa Cô")),
    "32": ("Chơ Ro", ("Chơ-ro", "Châu Ro")),
    "33": ("Kháng", ()),
    "34": ("Xinh Mun", ("Xinh-mun",)),
    "35": ("Hà Nhì", ()),
    "36": ("Chu Ru", ("Chu-ru", "Churu")),
    "37": ("Lào", ()),
    "38": ("La Chí", ()),
    "39": ("La Ha", ()),
    "40": ("Phù Lá", ()),
    "41": ("La Hủ", ()),
    "42": ("Lự", ("Lữ",)),
    "43": ("Lô Lô", ()),
    "44": ("Chứt", ()),
    "45": ("Mảng", ()),
    "46": ("Pà Thẻn", ("Pà-thẻn",)),
    "47": ("Cơ Lao", ("Cờ Lao",)),
    "48": ("Cống", ()),
    "49": ("Bố Y", ("Bố-y",)),
    "50": ("Si La", ()),
    "51": ("Pu Péo", ()),
    "52": ("Brâu", ()),
    "53": ("Ơ Đu", ()),
    "54": ("Rơ Măm", ("Rơ-măm",)),
}

_PREFIX = re.compile(r"^(?:dan toc|dt|nguoi|toc)\b[\s.:]*")
_NON_KEY = re.compile(r"[\s\-'.]")


def _key(text: str) -> str:
    return _NON_KEY.sub("", _PREFIX.sub("", fold(text)))


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, (name, aliases) in ETHNIC_GROUPS.items():
        for form in (name, *aliases):
            index.setdefault(_key(form), code)
        index[code] = code
        index[str(int(code))] = code
    return index


_INDEX = _build_index()
_CODE_BY_NAME = {name: code for code, (name, _) in ETHNIC_GROUPS.items()}


@dataclass(frozen=True, slots=True)
class EthnicityParse:
    """The canonical group name and GSO code (``None`` if blank or unknown), and doubts."""

    value: str | None
    code: str | None = None
    findings: tuple[Finding, ...] = ()


def ethnicity_code(name: str) -> str | None:
    """GSO code of a canonical group name (as :func:`parse_ethnicity` returns it)."""
    return _CODE_BY_NAME.get(name)


@lru_cache(maxsize=4096)
def parse_ethnicity(text: str) -> EthnicityParse:
    """Read an ethnic group, with or without "dân tộc", by name, other name or code."""
    cleaned = clean_text(text)
    if not cleaned:
        return EthnicityParse(None)
    code = _INDEX.get(_key(cleaned))
    if code is None:
        message = f"{cleaned!r} is not one of the 54 ethnic groups of the GSO list"
        return EthnicityParse(None, None, (Finding.of(IssueCode.ETHNICITY_UNKNOWN, message),))
    return EthnicityParse(ETHNIC_GROUPS[code][0], code)
