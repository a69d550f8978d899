"""Places: parse an address in old (pre-2025) or new units and convert it to the new units.

Registers written before 1 July 2025 say "phường Quảng An, quận Tây Hồ, TP Hà Nội" (ward,
district, province); the population DB holds the new units (ward, province: no districts). The
written form is kept, the parts are read, and the conversion is made with the GSO data shipped
by ``vietnamadminunits``. An old ward split among several new ones converts to the package's
default new ward, marked ``uncertain`` with every candidate named in the issue.

How: the address is cut into its street part and its units (comma-separated, unit words and
abbreviations P./Q./TP./H./X./TT./TX./T. spelled out), and each unit is looked up by key in the
package's keyword tables, from the province down. That exact lookup is thousands of times
faster than the package's ``parse_address`` (which compiles a regular expression of a whole
province's names on every call) and handles the forms registers use; an address it cannot
place (no commas, no known province) goes to ``parse_address``. ``convert_address`` is never
called: it geocodes over the network when an address has a street and its ward was split.
Results are cached on the units part of the address (registers repeat it).

>>> place = normalize_place("P. Quảng An, Q. Tây Hồ, TP Hà Nội").place
>>> place.ward, place.district, place.new_ward, place.new_ward_code, place.uncertain
('Phường Quảng An', 'Quận Tây Hồ', 'Phường Tây Hồ', '00103', True)
>>> normalize_place("Phường Tây Hồ, Thành phố Hà Nội").place.new_ward
'Phường Tây Hồ'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from civreg.errors import MissingDependencyError
from normalize.construct import MAKE_MODEL
from normalize.issues import Finding, IssueCode
from normalize.text import clean_text, fold, nfc
from schemas.records import Place

_ABBREVIATION = re.compile(
    r"(?i)(?<![\w.])(?:(?P<hcm>tp\.?\s*hcm)\b|(?P<two>tp|tx|tt)(?:\.\s*|\s+)|(?P<one>[pqhxt])\.\s*)"
)
_SPELLED_OUT = {
    "tp": "thành phố ",
    "tx": "thị xã ",
    "tt": "thị trấn ",
    "p": "phường ",
    "q": "quận ",
    "h": "huyện ",
    "x": "xã ",
    "t": "tỉnh ",
}


def _spell_out(match: re.Match[str]) -> str:
    if match.group("hcm"):
        return "thành phố Hồ Chí Minh"
    return _SPELLED_OUT[(match.group("two") or match.group("one")).lower()]


_COMPONENT_SPLIT = re.compile(r"\s*[,;]\s*")  # not " - ": "Bà Rịa - Vũng Tàu" is one name
_NOT_KEY = re.compile(r"[^a-z0-9]")
_QUALIFIER = re.compile(r"\s*\([^()]*\)")
_NOT_ACCENTED_KEY = re.compile(r"[\W_]")
_STREET_WORDS = frozenset(
    str.split(
        "so ngo ngach hem duong pho thon xom ap to tdp khu khom ban cum nha can kiet lo "
        "sn toa chung doi lang"
    )
)
_WARD_WORDS = ("phuong ", "xa ", "thi tran ")
_WARD_WORDS_VI = ("phường ", "xã ", "thị trấn ", "đặc khu ")
_DISTRICT_WORDS_VI = ("quận ", "huyện ", "thị xã ")
_UNIT_WORD = re.compile(r"^(?:phuong|xa|thitran|dackhu|quan|huyen|thixa|thanhpho|tinh)(?=[a-z0-9])")
_DISTRICT_WORDS = ("quan ", "huyen ", "thi xa ")
_HEALTH_FACILITY = re.compile(
    r"\b(?:benh vien|bv|tram y te|phong kham|nha ho sinh|trung tam y te|ttyt|tai nha)\b"
)


_PLACE_KEYS = set(Place.model_fields)
_new, _set_dict, _set_fields_set, _set_extra, _set_private = MAKE_MODEL


@dataclass(frozen=True, slots=True)
class PlaceParse:
    """An address read and converted (``None`` for a blank cell), and doubts."""

    place: Place | None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class _Units:
    """The administrative part of an address, parsed and converted (cached, street-free)."""

    ward: str | None = None
    district: str | None = None
    province: str | None = None
    new_ward: str | None = None
    new_province: str | None = None
    new_ward_code: str | None = None
    uncertain: bool = False
    findings: tuple[Finding, ...] = ()


@dataclass(slots=True)
class _OldUnit:
    """An old (63-province) unit found in an address, down to the level that was found."""

    province_key: str
    district_key: str | None = None
    ward_key: str | None = None


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """Lookup key without diacritics: "phường Quảng An" -> "phuongquangan"."""
    return _NOT_KEY.sub("", fold(text))


@lru_cache(maxsize=65536)
def _accented_key(text: str) -> str:
    """Lookup key with diacritics (to tell "Sa Pa" from "Sa Pả")."""
    return _NOT_ACCENTED_KEY.sub("", nfc(text).lower())


@lru_cache(maxsize=65536)
def _unit_level(component: str) -> str | None:
    """ "ward" or "district" when the component starts with its unit word, else ``None``."""
    words = component.lower()
    if not words.isascii():
        if words.startswith(_WARD_WORDS_VI):
            return "ward"
        return "district" if words.startswith(_DISTRICT_WORDS_VI) else None
    if words.startswith(_WARD_WORDS):  # written without diacritics
        return "ward"
    return "district" if words.startswith(_DISTRICT_WORDS) else None


def _data_dir() -> Path:
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "the vietnamadminunits package is not installed",
            hint="pip install 'vietnamadminunits>=1.0.4'",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _keywords(entries: dict[str, Any], field: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for key, info in entries.items():
        for keyword in info[field]:
            index.setdefault(keyword, key)
    return index


@dataclass(frozen=True)
class _UnitIndex:
    """Keyword tables of both eras and the 2025 conversion, from the package's data files."""

    old_provinces: dict[str, str]  # keyword -> province key
    old_province_info: dict[str, Any]
    old_districts: dict[str, dict[str, str]]  # province -> keyword -> district key
    old_district_info: dict[str, dict[str, Any]]
    old_divided: dict[str, dict[str, Any]]  # province -> divided district key -> info
    old_wards: dict[tuple[str, str], list[tuple[dict[str, str], dict[str, Any]]]]
    old_wards_in_province: dict[str, dict[str, list[tuple[str, str]]]]
    new_provinces: dict[str, str]
    new_province_info: dict[str, Any]
    new_wards: dict[str, list[tuple[dict[str, str], dict[str, Any]]]]
    new_ward_info: dict[tuple[str, str], dict[str, Any]]
    old_to_new_province: dict[str, str]
    old_to_new_ward: dict[str, tuple[str, str]]
    divided_wards: dict[str, tuple[str, list[dict[str, Any]]]]


@cache
def _index() -> _UnitIndex:
    """Load the tables once per process (~0.3 s); the package's modules are not imported."""
    data = _data_dir()
    legacy = json.loads((data / "parser_legacy.json").read_text(encoding="utf-8"))
    new = json.loads((data / "parser_from_2025.json").read_text(encoding="utf-8"))
    conversion = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))

    old_wards: dict[tuple[str, str], list[tuple[dict[str, str], dict[str, Any]]]] = {}
    old_in_province: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for table in (
        "DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED",
        "DICT_PROVINCE_DISTRICT_WARD_ACCENTED",
        "DICT_PROVINCE_DISTRICT_WARD_SHORT_ACCENTED",
    ):
        for province, districts in legacy[table].items():
            for district, wards in districts.items():
                old_wards.setdefault((province, district), []).append(
                    (_keywords(wards, "wardKeywords"), wards)
                )
                if table.endswith("NO_ACCENTED"):
                    in_province = old_in_province.setdefault(province, {})
                    for ward_key, info in wards.items():
                        for keyword in info["wardKeywords"]:
                            in_province.setdefault(keyword, []).append((district, ward_key))
    new_wards: dict[str, list[tuple[dict[str, str], dict[str, Any]]]] = {}
    new_ward_info: dict[tuple[str, str], dict[str, Any]] = {}
    for table in (
        "DICT_PROVINCE_WARD_NO_ACCENTED",
        "DICT_PROVINCE_WARD_ACCENTED",
        "DICT_PROVINCE_WARD_SHORT_ACCENTED",
    ):
        for province, wards in new[table].items():
            new_wards.setdefault(province, []).append((_keywords(wards, "wardKeywords"), wards))
            if not table.endswith("SHORT_ACCENTED"):
                for ward_key, info in wards.items():
                    new_ward_info[(province, ward_key)] = info
    return _UnitIndex(
        old_provinces=_keywords(legacy["DICT_PROVINCE"], "provinceKeywords"),
        old_province_info=legacy["DICT_PROVINCE"],
        old_districts={
            p: _keywords(d, "districtKeywords") for p, d in legacy["DICT_PROVINCE_DISTRICT"].items()
        },
        old_district_info=legacy["DICT_PROVINCE_DISTRICT"],
        old_divided=legacy["DICT_PROVINCE_DISTRICT_DIVIDED"],
        old_wards=old_wards,
        old_wards_in_province=old_in_province,
        new_provinces=_keywords(new["DICT_PROVINCE"], "provinceKeywords"),
        new_province_info=new["DICT_PROVINCE"],
        new_wards=new_wards,
        new_ward_info=new_ward_info,
        old_to_new_province={
            old: new_key for new_key, olds in conversion["DICT_PROVINCE"].items() for old in olds
        },
        old_to_new_ward={
            old: (province, ward)
            for province, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
            for ward, olds in wards.items()
            for old in olds
        },
        divided_wards={
            old: (province, options)
            for province, wards in conversion["DICT_PROVINCE_WARD_DIVIDED"].items()
            for old, options in wards.items()
        },
    )


def expand_abbreviations(text: str) -> str:
    """Spell out P./Q./TP./H./X./TT./TX./T. and TP.HCM.

    >>> expand_abbreviations("P.Bến Nghé, Q.1, TP.HCM")
    'phường Bến Nghé, quận 1, thành phố Hồ Chí Minh'
    """
    if "." not in text:
        # every abbreviation has a dot or is TP/TX/TT (which no Vietnamese syllable holds):
        # most addresses need no scan, which tries the expression at every character
        lowered = text.lower()
        if "tp" not in lowered and "tx" not in lowered and "tt" not in lowered:
            return text
    return _ABBREVIATION.sub(_spell_out, text)


def _components(text: str) -> list[str]:
    """The comma- or semicolon-separated parts of ``text``, without the spaces around the
    separators, empty parts dropped (``_COMPONENT_SPLIT``'s split, by plain string methods)."""
    if text[:1].isspace() or text[-1:].isspace():  # the text's own ends keep their spaces
        return [c for c in _COMPONENT_SPLIT.split(text) if c]
    if ";" in text:
        text = text.replace(";", ",")
    return [c for c in [part.strip() for part in text.split(",")] if c]


def _street_length(components: list[str]) -> int:
    """How many leading components are the street part (never all of them)."""
    length = 0
    while length < len(components) - 1:
        folded = fold(components[length])
        first_word = folded.split(" ", 1)[0]
        if (
            first_word in _STREET_WORDS
            or first_word[:1].isdigit()
            or _HEALTH_FACILITY.match(folded)
        ):
            length += 1
        else:
            break
    return length


def split_street(text: str) -> tuple[str, str]:
    """Split an address into its street part and its administrative part.

    >>> split_street("Số 5 ngõ 12, phường Quảng An, quận Tây Hồ, Hà Nội")
    ('Số 5 ngõ 12', 'phường Quảng An, quận Tây Hồ, Hà Nội')
    """
    components = _components(text)
    length = _street_length(components)
    return ", ".join(components[:length]), ", ".join(components[length:])


# ---- lookups ----------------------------------------------------------------------------------


def _lookup(
    tables: list[tuple[dict[str, str], dict[str, Any]]], component: str
) -> tuple[str, dict[str, Any]] | None:
    """Find a unit by its key without diacritics, then with them (Sa Pa / Sa Pả)."""
    plain = _key(component)
    for keywords, entries in tables:
        unit_key = keywords.get(plain)
        if unit_key is not None:
            return unit_key, entries[unit_key]
    # "Sa Pả" (told apart by its marks); "xã Thạch Hạ" for what is now "Phường Thạch Hạ";
    # "Phường Phường 3" for "Phường 3"
    accented, bare = _accented_key(component), _UNIT_WORD.sub("", plain)
    for keywords, entries in tables:
        unit_key = keywords.get(accented) or keywords.get(bare)
        if unit_key is not None:
            return unit_key, entries[unit_key]
    return None


def _old_district(index: _UnitIndex, province: str, component: str, ward: str | None) -> str | None:
    """District key; a district the data splits by ward ("divided") is resolved by the ward."""
    key = _key(component)
    keywords = index.old_districts.get(province, {})
    district = keywords.get(key) or keywords.get(_UNIT_WORD.sub("", key))
    divided = index.old_divided.get(province, {})
    divided_key = district if district in divided else None
    if divided_key is None and district is None:
        divided_key = next(
            (k for k, info in divided.items() if key in info["dividedDistrictKeywords"]), None
        )
    if divided_key is None:
        return district
    options = divided[divided_key]["districts"]
    if ward is not None:
        ward_key = _key(ward)
        for candidate, info in options.items():
            if ward_key in info["wardKeywords"]:
                return candidate
    return next((k for k, info in options.items() if info["districtDefault"]), district)


def _new_ward_info(province_key: str, ward_key: str | None) -> tuple[str | None, str | None]:
    if ward_key is None:
        return None, None
    info = _index().new_ward_info.get((province_key, ward_key))
    return (info["ward"], info["wardCode"]) if info else (None, None)


def _new_province_name(province_key: str | None) -> str | None:
    if province_key is None:
        return None
    info = _index().new_province_info.get(province_key)
    return info["province"] if info else None


def _convert_old(unit: _OldUnit) -> _Units:
    """Old units to new ones; a split ward goes to its default new ward, marked uncertain."""
    return _convert_old_keys(unit.province_key, unit.district_key, unit.ward_key)


@lru_cache(maxsize=32768)
def _convert_old_keys(province_key: str, district_key: str | None, ward_key: str | None) -> _Units:
    index = _index()
    unit = _OldUnit(province_key, district_key, ward_key)
    province_info = index.old_province_info[unit.province_key]
    district = ward = None
    if unit.district_key is not None:
        district = index.old_district_info[unit.province_key][unit.district_key]["district"]
    new_province_key = index.old_to_new_province.get(unit.province_key)
    findings: list[Finding] = []
    new_ward = new_code = None
    uncertain = False
    if unit.ward_key is not None and unit.district_key is not None:
        tables = index.old_wards.get((unit.province_key, unit.district_key), [])
        ward = next(
            (entries[unit.ward_key]["ward"] for _, entries in tables if unit.ward_key in entries),
            None,
        )
        old_key = f"{unit.province_key}_{unit.district_key}_{unit.ward_key}"
        target = index.old_to_new_ward.get(old_key)
        if target is not None:
            new_province_key, new_ward_key = target
            new_ward, new_code = _new_ward_info(new_province_key, new_ward_key)
            findings.append(
                Finding.of(
                    IssueCode.PLACE_CONVERTED,
                    f"old units {ward}, {district} converted to {new_ward}",
                )
            )
        elif old_key in index.divided_wards:
            new_province_key, options = index.divided_wards[old_key]
            default = next((o for o in options if o["isDefaultNewWard"]), options[0])
            new_ward, new_code = _new_ward_info(new_province_key, default["newWardKey"])
            uncertain = True
            candidates = [_new_ward_info(new_province_key, o["newWardKey"])[0] for o in options]
            findings.append(
                Finding.of(
                    IssueCode.PLACE_WARD_SPLIT,
                    f"old {ward} ({district}) was split among "
                    f"{', '.join(c for c in candidates if c)}; chose {new_ward}",
                )
            )
    return _Units(
        ward=ward,
        district=district,
        province=province_info["province"],
        new_ward=new_ward,
        new_province=_new_province_name(new_province_key),
        new_ward_code=new_code,
        uncertain=uncertain,
        findings=tuple(findings),
    )


def _new_units(province_key: str, ward_key: str, info: dict[str, Any]) -> _Units:
    province = _new_province_name(province_key)
    return _Units(
        ward=info["ward"],
        province=province,
        new_ward=info["ward"],
        new_province=province,
        new_ward_code=info["wardCode"],
    )


def _no_units(admin: str) -> _Units:
    if _HEALTH_FACILITY.search(fold(admin)):
        return _Units()
    message = f"no ward or province found in {admin!r}"
    return _Units(findings=(Finding.of(IssueCode.PLACE_UNPARSED, message),))


def _ward_not_found(units: _Units, admin: str) -> _Units:
    message = f"no known ward in {admin!r}"
    return _Units(
        district=units.district,
        province=units.province,
        new_province=units.new_province,
        findings=(*units.findings, Finding.of(IssueCode.PLACE_WARD_NOT_FOUND, message)),
    )


# ---- parsing ----------------------------------------------------------------------------------


def _parse_components(components: list[str]) -> _Units | None:
    """Exact lookup of "[ward,] [district,] province"; ``None`` when it cannot place them."""
    index = _index()
    last = _key(components[-1])
    old_province = index.old_provinces.get(last)
    new_province = index.new_provinces.get(last)
    if old_province is None and new_province is None:
        return None
    if len(components) == 1:
        if old_province is not None:
            return _convert_old(_OldUnit(old_province))
        return _Units(
            province=_new_province_name(new_province),
            new_province=_new_province_name(new_province),
        )
    ward_written = _unit_level(components[-2]) == "ward" or len(components) >= 3
    if len(components) >= 3:
        if old_province is None:
            return None
        district = _old_district(index, old_province, components[-2], components[-3])
        if district is None:
            return None
        found = _lookup(index.old_wards.get((old_province, district), []), components[-3])
        unit = _OldUnit(old_province, district, found[0] if found else None)
        units = _convert_old(unit)
        return units if found else _ward_not_found(units, ", ".join(components))
    # two components: a new ward, an old ward written without its district, or a district
    if _unit_level(components[-2]) == "district":
        if old_province is None:
            return None
        district = _old_district(index, old_province, components[-2], None)
        return _convert_old(_OldUnit(old_province, district)) if district else None
    if new_province is not None:
        found = _lookup(index.new_wards.get(new_province, []), components[-2])
        if found is not None:
            return _new_units(new_province, *found)
    if old_province is not None:
        hits = index.old_wards_in_province.get(old_province, {}).get(_key(components[-2]), [])
        if len({district for district, _ in hits}) == 1:
            district, ward_key = hits[0]
            return _convert_old(_OldUnit(old_province, district, ward_key))
        district = _old_district(index, old_province, components[-2], None)
        if district is not None and not ward_written:
            return _convert_old(_OldUnit(old_province, district))
    province_units = _parse_components(components[-1:])
    if province_units is None:
        return None
    return _ward_not_found(province_units, ", ".join(components)) if ward_written else None


def load_tables() -> None:
    """Load the unit tables and the package's parser now (~1.5 s once per process), not on
    the first address that needs them."""
    _index()
    import vietnamadminunits  # noqa: F401  (its import reads the package's data files)


def _parse_with_package(admin: str) -> _Units:
    """Slow path for addresses the exact lookup cannot place (no commas, odd forms)."""
    from vietnamadminunits import ParseMode, parse_address

    folded = fold(admin)
    if not any(f" {word}" in f" {folded}" for word in _DISTRICT_WORDS):
        new = parse_address(admin, mode=ParseMode.FROM_2025, keep_street=False, level=2)
        if new.ward_key and _key(new.short_ward or "") in _key(admin):
            info = {"ward": new.ward, "wardCode": new.ward_code}
            return _new_units(new.province_key, new.ward_key, info)
    old = parse_address(admin, mode=ParseMode.LEGACY, keep_street=False, level=3)
    if old.province_key is None:
        return _no_units(admin)
    ward_key = old.ward_key if old.ward_key and _key(old.short_ward) in _key(admin) else None
    units = _convert_old(_OldUnit(old.province_key, old.district_key, ward_key))
    if ward_key is None and any(w in folded for w in _WARD_WORDS):
        return _ward_not_found(units, admin)
    return units


def _canonical_admin(admin: str) -> str:
    """One spelling per administrative part (the cache key): lower case, ", " between units,
    no qualifier ("thị xã Kỳ Anh (Thị xã)": the unit lists qualify names shared by two units)."""
    lowered = admin.lower()
    if "(" not in lowered:  # no qualifier to drop (the usual case): strip and join only
        stripped = [c.strip() for c in _components(lowered)]
        return ", ".join([c for c in stripped if c])
    return _canonical_components(lowered)


def _canonical_components(lowered: str) -> str:
    """The general way of :func:`_canonical_admin` (qualifiers dropped), for any text."""
    components = (_QUALIFIER.sub("", c) or c for c in _COMPONENT_SPLIT.split(lowered))
    return ", ".join(c.strip() for c in components if c.strip())


def _admin_key(written: str) -> str:
    """The canonical administrative part of a cleaned address, the key of :func:`_parse_admin`:
    ``_canonical_admin(split_street(expand_abbreviations(written))[1])``, split only once."""
    components = _components(expand_abbreviations(written))
    admin = ", ".join(components[_street_length(components) :])
    if "(" in admin or admin[:1].isspace() or admin[-1:].isspace():  # ("H." -> "huyện ")
        return _canonical_admin(admin)
    return admin.lower()  # split and stripped already: lowering is all that is left to do


@lru_cache(maxsize=16384)
def _parse_admin(admin: str) -> _Units:
    """Parse and convert the canonical administrative part of an address (no street)."""
    components = admin.split(", ")
    if not admin or (len(components) == 1 and _HEALTH_FACILITY.match(fold(components[0]))):
        return _no_units(admin)
    units = _parse_components(components)
    return units if units is not None else _parse_with_package(admin)


def normalize_place(text: str) -> PlaceParse:
    """Read an address (old or new units, with or without unit words and abbreviations).

    The written form is kept as ``Place.written``; ``ward``/``district``/``province`` are the
    units as written (canonical names), ``new_*`` the post-2025 units.

    >>> normalize_place("Quảng An, Tây Hồ, Hà Nội").place.new_province
    'Thành phố Hà Nội'
    >>> [f.code.value for f in normalize_place("xyz qwe").findings]
    ['place.unparsed']
    """
    written = clean_text(text)
    if not written:
        return PlaceParse(None)
    units = _parse_admin(_admin_key(written))
    # build_frozen, inlined (one Place per distinct address text)
    place = _new(Place)
    _set_dict(
        place,
        {
            "written": written,
            "ward": units.ward,
            "district": units.district,
            "province": units.province,
            "new_ward": units.new_ward,
            "new_province": units.new_province,
            "new_ward_code": units.new_ward_code,
            "uncertain": units.uncertain,
        },
    )
    _set_fields_set(place, _PLACE_KEYS)
    _set_extra(place, None)
    _set_private(place, None)
    return PlaceParse(place, units.findings)
