"""Addresses in old and new units, and their conversion to the 2025 units (offline)."""

from __future__ import annotations

import pytest

from normalize import places
from normalize.places import expand_abbreviations, normalize_place, split_street


@pytest.fixture(autouse=True)
def no_geocoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """``convert_address`` geocodes over the network: normalization must never call it."""
    import vietnamadminunits

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("convert_address called")

    monkeypatch.setattr(vietnamadminunits, "convert_address", refuse)


QUANG_AN = ("Phường Quảng An", "Quận Tây Hồ", "Thành phố Hà Nội")


@pytest.mark.parametrize(
    "written",
    [
        "phường Quảng An, quận Tây Hồ, TP Hà Nội",  # DOMAIN.md §4
        "P. Quảng An, Q. Tây Hồ, Hà Nội",
        "P.Quảng An, Q.Tây Hồ, TP.Hà Nội",
        "Quảng An, Tây Hồ, Hà Nội",
        "PHƯỜNG QUẢNG AN, QUẬN TÂY HỒ, THÀNH PHỐ HÀ NỘI",
        "phuong Quang An, quan Tay Ho, Ha Noi",
        "Tổ dân phố 24, phường Quảng An, quận Tây Hồ, TP Hà Nội",
        "TDP 14, Quảng An, Tây Hồ, Hà Nội",
        "phường Quảng An, Hà Nội",  # the district left out: the ward name is unique
        "phường Quảng An quận Tây Hồ Hà Nội",  # no commas: the package's parser
    ],
)
def test_old_ward_split_is_converted_and_marked_uncertain(written: str) -> None:
    parsed = normalize_place(written)
    place = parsed.place
    assert place is not None and place.written == written.strip()
    assert (place.ward, place.district, place.province) == QUANG_AN
    assert (place.new_ward, place.new_province, place.new_ward_code) == (
        "Phường Tây Hồ",
        "Thành phố Hà Nội",
        "00103",
    )
    assert place.uncertain
    assert [f.code.value for f in parsed.findings] == ["place.ward_split"]
    assert "Phường Hồng Hà" in parsed.findings[0].message  # every candidate is named


@pytest.mark.parametrize(
    ("written", "new_ward", "code"),
    [
        ("phường Bến Nghé, quận 1, TP Hồ Chí Minh", "Phường Sài Gòn", "26740"),
        ("P.Bến Nghé, Q.1, TP.HCM", "Phường Sài Gòn", "26740"),
        ("xã Hòa Sơn, huyện Đô Lương, tỉnh Nghệ An", "Xã Văn Hiến", "17677"),
        ("xã Thạch Hạ, thành phố Hà Tĩnh, Hà Tĩnh", "Phường Trần Phú", "18100"),
        ("phường Quán Thánh, Hà Nội", "Phường Ba Đình", "00004"),
        ("phường Phường 7, quận Quận 11, Hồ Chí Minh", "Phường Minh Phụng", None),
        ("phường Kỳ Thịnh, thị xã Kỳ Anh (Thị xã), tỉnh Hà Tĩnh", "Phường Vũng Áng", None),
    ],
)
def test_old_wards_merged_whole_are_converted(
    written: str, new_ward: str, code: str | None
) -> None:
    parsed = normalize_place(written)
    assert parsed.place is not None and parsed.place.new_ward == new_ward
    assert not parsed.place.uncertain
    if code:
        assert parsed.place.new_ward_code == code
    assert [f.code.value for f in parsed.findings] == ["place.converted"]


@pytest.mark.parametrize(
    "written",
    [
        "Phường Tây Hồ, Thành phố Hà Nội",
        "phường Tây Hồ, TP Hà Nội",
        "P. Tây Hồ, Hà Nội",
        "Tổ 24, P. Tây Hồ, Hà Nội",
        "12 Đặng Thai Mai, Phường Tây Hồ, TP Hà Nội",
    ],
)
def test_new_units_are_kept(written: str) -> None:
    parsed = normalize_place(written)
    place = parsed.place
    assert place is not None and parsed.findings == ()
    assert (place.ward, place.district, place.new_ward, place.new_ward_code) == (
        "Phường Tây Hồ",
        None,
        "Phường Tây Hồ",
        "00103",
    )


@pytest.mark.parametrize(
    ("written", "province", "new_province"),
    [
        ("Nam Định", "Tỉnh Nam Định", "Tỉnh Ninh Bình"),
        ("tỉnh Nam Định", "Tỉnh Nam Định", "Tỉnh Ninh Bình"),
        ("Hà Nội", "Thành phố Hà Nội", "Thành phố Hà Nội"),
    ],
)
def test_a_province_alone(written: str, province: str, new_province: str) -> None:
    place = normalize_place(written).place
    assert place is not None
    assert (place.ward, place.province, place.new_province) == (None, province, new_province)


def test_health_facilities_and_unknown_places() -> None:
    facility = normalize_place("Bệnh viện Bạch Mai")
    assert facility.place is not None and facility.place.ward is None and facility.findings == ()
    inside = normalize_place("Bệnh viện Phụ sản Hà Nội, phường Ngọc Khánh, quận Ba Đình, TP Hà Nội")
    assert inside.place is not None and inside.place.new_ward == "Phường Giảng Võ"
    assert [f.code.value for f in normalize_place("xyz qwe").findings] == ["place.unparsed"]
    assert [f.code.value for f in normalize_place("phường Xyz, quận Tây Hồ, Hà Nội").findings] == [
        "place.ward_not_found"
    ]
    assert normalize_place("  ").place is None


def test_helpers() -> None:
    assert expand_abbreviations("P.Bến Nghé, Q.1, TP.HCM") == (
        "phường Bến Nghé, quận 1, thành phố Hồ Chí Minh"
    )
    assert split_street("Số 5 ngõ 12, phường Quảng An, Hà Nội") == (
        "Số 5 ngõ 12",
        "phường Quảng An, Hà Nội",
    )
    assert split_street("tỉnh Bà Rịa - Vũng Tàu") == ("", "tỉnh Bà Rịa - Vũng Tàu")


def test_conversion_agrees_with_the_package_on_addresses_without_street() -> None:
    from vietnamadminunits.converter.converter_2025 import convert_address_2025

    for written in (
        "Phường Xuân La, Quận Tây Hồ, Thành phố Hà Nội",
        "Phường Bưởi, Quận Tây Hồ, Thành phố Hà Nội",
        "Xã Vân Nội, Huyện Đông Anh, Thành phố Hà Nội",
        "Phường 8, Quận 11, Thành phố Hồ Chí Minh",
    ):
        ours = places.normalize_place(written).place
        theirs = convert_address_2025(written)  # no street: the package stays offline
        assert ours is not None
        assert (ours.new_ward, ours.new_province) == (theirs.ward, theirs.province)
