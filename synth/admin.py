"""Old (pre-2025) and new (2025) administrative units, from the ``vietnamadminunits`` data.

The package ships the GSO lists of both eras (``data/dataset.db``: tables ``admin_units_legacy``
with 10,035 old wards under 63 provinces and ``admin_units`` with 3,321 new wards under 34) and
the conversion table its ``convert_address`` uses (``data/converter_2025.json``):

- ``DICT_PROVINCE_WARD_NO_DIVIDED[new_province][new_ward] -> [old keys]``: old wards merged
  whole into one new ward;
- ``DICT_PROVINCE_WARD_DIVIDED[new_province][old key] -> [{newWardKey, isDefaultNewWard}]``:
  old wards split among several new ones, with the one ``convert_address`` picks by default
  for an address without a street.

An old key is ``<province key>_<district key>_<ward key>`` (e.g.
``thanhphohanoi_quantayho_phuongquangan``). We read those tables directly (one SQL query per
table, one JSON load) rather than calling ``convert_address`` per ward, which parses text and,
given a street, geocodes it over the network.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import vietnamadminunits

from civreg.errors import MissingDependencyError

HANOI_KEY = "thanhphohanoi"
HANOI_PROVINCE_CODE = "01"

FOCUS_DISTRICT_KEY = "quantayho"
"""Tây Hồ, the district of DOMAIN.md §6: register wards are taken from it first."""

FOCUS_WARD_ORDER = (
    "phuongquangan",
    "phuongbuoi",
    "phuongnhattan",
    "phuongphuthuong",
    "phuongtulien",
    "phuongxuanla",
    "phuongyenphu",
    "phuongthuykhue",
)
"""Tây Hồ's eight old wards, Quảng An (DOMAIN.md's example, split) and Bưởi (not split) first."""


@dataclass(frozen=True, slots=True)
class NewWard:
    """A commune-level unit of the 2025 reform."""

    key: str
    name: str  # "Phường Tây Hồ"
    short_name: str  # "Tây Hồ"
    unit_type: str  # "Phường", "Xã", "Đặc khu"
    code: str  # 5-digit commune code (Decision 19/2025/QĐ-TTg)
    province: str  # "Thành phố Hà Nội"
    province_short: str  # "Hà Nội"
    province_code: str  # 2-digit

    def address(self, detail: str = "") -> str:
        """Canonical address in new units: ``[detail, ]ward, province``."""
        return ", ".join(part for part in (detail, self.name, self.province) if part)


@dataclass(frozen=True, slots=True)
class OldWard:
    """A ward/commune of the pre-2025 units, with the new ward(s) it became."""

    key: str
    name: str  # "Phường Quảng An"
    short_name: str  # "Quảng An"
    unit_type: str  # "Phường", "Xã", "Thị trấn"
    code: str  # 5-digit pre-2025 commune code
    district: str  # "Quận Tây Hồ"
    district_short: str
    district_type: str  # "Quận", "Huyện", "Thị xã", "Thành phố"
    province: str
    province_short: str
    province_code: str  # 2-digit GSO code; "0" + it is the personal-ID province code
    new_wards: tuple[NewWard, ...]  # the default new ward first

    @property
    def default_new_ward(self) -> NewWard:
        return self.new_wards[0]

    @property
    def is_split(self) -> bool:
        return len(self.new_wards) > 1

    @property
    def id_province_code(self) -> str:
        """The 3-digit code of the personal ID (DOMAIN.md §3)."""
        return "0" + self.province_code


@dataclass(frozen=True)
class Atlas:
    """Every old ward with its new ward(s), indexed the ways the generator needs."""

    old_wards: dict[str, OldWard]
    new_wards: dict[str, NewWard]  # by "<province key>_<ward key>"

    def wards_of_province(self, province_code: str) -> list[OldWard]:
        return [w for w in self.old_wards.values() if w.province_code == province_code]

    def hanoi_urban_wards(self) -> list[OldWard]:
        """Hanoi's old wards of type "Phường", in code order."""
        return sorted(
            (
                w
                for w in self.old_wards.values()
                if w.province_code == HANOI_PROVINCE_CODE and w.unit_type == "Phường"
            ),
            key=lambda w: w.code,
        )

    def register_ward_candidates(self) -> list[OldWard]:
        """Old wards in the order register wards are chosen: Tây Hồ's first, then Hanoi's."""
        by_key = {w.key.rsplit("_", 1)[1]: w for w in self.old_wards.values() if _in_focus(w)}
        focus = [by_key[k] for k in FOCUS_WARD_ORDER]
        return focus + [w for w in self.hanoi_urban_wards() if w not in focus]

    def find(self, ward_short: str, district_short: str, province_code: str) -> OldWard:
        """The old ward named so; raises ``KeyError`` naming what is missing."""
        for ward in self.old_wards.values():
            if (
                ward.short_name == ward_short
                and ward.district_short == district_short
                and ward.province_code == province_code
            ):
                return ward
        raise KeyError(f"no old ward {ward_short!r} in {district_short!r} ({province_code})")

    def split_wards(self, province_code: str) -> list[OldWard]:
        return [w for w in self.wards_of_province(province_code) if w.is_split]


def _in_focus(ward: OldWard) -> bool:
    return ward.key.startswith(f"{HANOI_KEY}_{FOCUS_DISTRICT_KEY}_")


def _data_dir() -> Path:
    return Path(vietnamadminunits.__file__).parent / "data"


@lru_cache(maxsize=1)
def load_atlas() -> Atlas:
    """Read the package's tables once per process."""
    data_dir = _data_dir()
    db_path, converter_path = data_dir / "dataset.db", data_dir / "converter_2025.json"
    for path in (db_path, converter_path):
        if not path.is_file():
            raise MissingDependencyError(
                f"{path}: data file of vietnamadminunits not found",
                hint="reinstall the package: pip install 'vietnamadminunits>=1.0.4'",
            )
    converter = json.loads(converter_path.read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        new_rows = conn.execute(
            "SELECT provinceKey, wardKey, ward, wardShort, wardType, wardCode, province, "
            "provinceShort, provinceCode FROM admin_units ORDER BY wardCode"
        ).fetchall()
        old_rows = conn.execute(
            "SELECT provinceKey, districtKey, wardKey, ward, wardShort, wardType, wardCode, "
            "district, districtShort, districtType, province, provinceShort, provinceCode "
            "FROM admin_units_legacy WHERE wardKey IS NOT NULL ORDER BY wardCode"
        ).fetchall()

    new_wards: dict[str, NewWard] = {}
    for p_key, w_key, name, short, w_type, code, prov, prov_short, prov_code in new_rows:
        new_wards[f"{p_key}_{w_key}"] = NewWard(
            key=f"{p_key}_{w_key}",
            name=name,
            short_name=short,
            unit_type=w_type,
            code=code,
            province=prov,
            province_short=prov_short,
            province_code=prov_code,
        )

    # old key -> new ward keys (default first)
    old_to_new: dict[str, list[str]] = {}
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                old_to_new[old_key] = [f"{new_province}_{new_ward}"]
    for new_province, splits in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in splits.items():
            ordered = sorted(targets, key=lambda t: (not t["isDefaultNewWard"], t["newWardKey"]))
            old_to_new[old_key] = [f"{new_province}_{t['newWardKey']}" for t in ordered]

    old_wards: dict[str, OldWard] = {}
    for row in old_rows:
        p_key, d_key, w_key, name, short, w_type, code = row[:7]
        district, district_short, district_type, prov, prov_short, prov_code = row[7:]
        key = f"{p_key}_{d_key}_{w_key}"
        targets = old_to_new.get(key)
        if not targets or any(t not in new_wards for t in targets):
            continue  # not in the conversion table: never used by the generator
        old_wards[key] = OldWard(
            key=key,
            name=name,
            short_name=short,
            unit_type=w_type or "Xã",
            code=code,
            district=district,
            district_short=district_short,
            district_type=district_type,
            province=prov,
            province_short=prov_short,
            province_code=prov_code,
            new_wards=tuple(new_wards[t] for t in targets),
        )
    return Atlas(old_wards=old_wards, new_wards=new_wards)
