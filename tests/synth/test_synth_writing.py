"""How clerks write values: numbers and dates in words, formats, addresses, slips."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import pytest

from synth.admin import load_atlas
from synth.writing import (
    DateStyle,
    date_in_words,
    format_date,
    format_time_of_death,
    number_to_words,
    strip_diacritics,
    swap_diacritic,
    typo,
    write_group,
    write_new_address,
    write_old_address,
)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (31, "ba mươi mốt"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1000, "một nghìn"),
        (1945, "một nghìn chín trăm bốn mươi lăm"),
        (1990, "một nghìn chín trăm chín mươi"),
        (2000, "hai nghìn"),
        (2005, "hai nghìn không trăm linh năm"),
        (2010, "hai nghìn không trăm mười"),
        (2015, "hai nghìn không trăm mười lăm"),
        (2021, "hai nghìn không trăm hai mươi mốt"),
        (1_000_000, "một triệu"),
        (2_500_000, "hai triệu năm trăm nghìn"),
    ],
)
def test_number_to_words(value: int, words: str) -> None:
    assert number_to_words(value) == words


def test_number_to_words_regional_variants() -> None:
    assert number_to_words(105, zero_tens="lẻ") == "một trăm lẻ năm"
    assert number_to_words(24, four="tư") == "hai mươi tư"
    assert number_to_words(14, four="tư") == "mười bốn"  # tư only after "mươi"
    assert number_to_words(2005, thousand="ngàn") == "hai ngàn không trăm linh năm"
    with pytest.raises(ValueError):
        number_to_words(-1)


def test_dates_in_words() -> None:
    assert date_in_words(1990, 3, 5) == "ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi"
    assert date_in_words(2005, 4, 10) == "ngày mùng mười tháng tư năm hai nghìn không trăm linh năm"
    assert date_in_words(1971, 12, 21) == (
        "ngày hai mươi mốt tháng mười hai năm một nghìn chín trăm bảy mươi mốt"
    )
    assert date_in_words(1950, 11, 15) == (
        "ngày mười lăm tháng mười một năm một nghìn chín trăm năm mươi"
    )
    assert date_in_words(1932) == "năm một nghìn chín trăm ba mươi hai"
    assert date_in_words(1932, 1) == "tháng một năm một nghìn chín trăm ba mươi hai"


@pytest.mark.parametrize(
    ("style", "full", "month_only", "year_only"),
    [
        (DateStyle.SLASH, "05/03/1990", "03/1990", "1990"),
        (DateStyle.DASH, "5-3-1990", "3-1990", "1990"),
        (DateStyle.DOT, "05.03.1990", "03.1990", "1990"),
        (DateStyle.PHRASE, "ngày 05 tháng 03 năm 1990", "tháng 03 năm 1990", "năm 1990"),
    ],
)
def test_date_formats(style: DateStyle, full: str, month_only: str, year_only: str) -> None:
    assert format_date(1990, 3, 5, style) == full
    assert format_date(1990, 3, None, style) == month_only
    assert format_date(1990, None, None, style) == year_only


def test_time_of_death() -> None:
    day = dt.date(2010, 3, 5)
    assert format_time_of_death(14, 30, day, DateStyle.SLASH) == "14 giờ 30 phút, ngày 05/03/2010"
    assert format_time_of_death(7, 5, day, DateStyle.PHRASE) == (
        "07 giờ 05 phút, ngày 05 tháng 03 năm 2010"
    )
    assert format_time_of_death(14, 30, day, DateStyle.WORDS) == (
        "mười bốn giờ ba mươi phút, ngày mùng năm tháng ba năm hai nghìn không trăm mười"
    )


def test_strip_diacritics() -> None:
    assert strip_diacritics("Nguyễn Thị Hồng Đào") == "Nguyen Thi Hong Dao"
    assert strip_diacritics("Trương Ngọc Ưng") == "Truong Ngoc Ung"


@pytest.mark.parametrize(
    "name", ["Nguyễn Thị Hồng", "Vũ Đức Thắng", "Phạm Thị Mỹ Hằng", "Lê Thị Hương"]
)
def test_swap_diacritic_changes_one_mark(name: str) -> None:
    rng = random.Random(1)
    seen = set()
    for _ in range(30):
        swapped = swap_diacritic(name, rng)
        assert swapped is not None and swapped != name
        assert swapped == unicodedata.normalize("NFC", swapped)
        assert len(swapped) == len(name)
        assert strip_diacritics(swapped) == strip_diacritics(name)
        assert sum(a != b for a, b in zip(swapped, name, strict=True)) == 1
        seen.add(swapped)
    assert len(seen) > 1


def test_swap_diacritic_known_confusions() -> None:
    outcomes = {swap_diacritic("Mỹ", random.Random(seed)) for seed in range(20)}
    assert outcomes == {"Mỹ".replace("ỹ", "ỷ")}  # tilde -> hook above
    outcomes = {swap_diacritic("Hương", random.Random(seed)) for seed in range(40)}
    assert outcomes == {"Huơng", "Hương".replace("ơ", "o")}  # ư -> u, ơ -> o
    assert swap_diacritic("Anh", random.Random(0)) is None


def test_typo_changes_text_and_keeps_ids_twelve_digits() -> None:
    rng = random.Random(3)
    for _ in range(50):
        assert typo("Nguyễn Văn An", rng) != "Nguyễn Văn An"
        slipped = typo("001090123456", rng)
        assert slipped != "001090123456"
        assert len(slipped) == 12 and slipped.isdigit()


def test_addresses_old_and_new() -> None:
    atlas = load_atlas()
    quang_an = atlas.find("Quảng An", "Tây Hồ", "01")
    group = write_group(5, 0)
    assert write_old_address(quang_an, "", 0) == "phường Quảng An, quận Tây Hồ, TP Hà Nội"
    assert write_old_address(quang_an, "", 1) == "P. Quảng An, Q. Tây Hồ, Hà Nội"
    assert write_old_address(quang_an, "", 2) == "phường Quảng An, quận Tây Hồ, thành phố Hà Nội"
    assert write_old_address(quang_an, "", 3) == "Phường Quảng An, Quận Tây Hồ, Thành phố Hà Nội"
    assert write_old_address(quang_an, group, 4) == "tổ 5, Quảng An, Tây Hồ, Hà Nội"
    tay_ho = quang_an.default_new_ward
    assert (tay_ho.name, tay_ho.code) == ("Phường Tây Hồ", "00103")
    assert [w.name for w in quang_an.new_wards] == ["Phường Tây Hồ", "Phường Hồng Hà"]
    assert write_new_address(tay_ho, "", 0) == "phường Tây Hồ, TP Hà Nội"
    assert write_new_address(tay_ho, "", 4) == write_new_address(tay_ho, "", 3)
    assert tay_ho.address("Tổ dân phố 5") == "Tổ dân phố 5, Phường Tây Hồ, Thành phố Hà Nội"
    commune = next(w for w in atlas.wards_of_province("36") if w.unit_type == "Xã")
    assert write_old_address(commune, "", 0).endswith(", tỉnh Nam Định")
    assert write_old_address(commune, "", 1).startswith("X. ")
