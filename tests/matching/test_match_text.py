"""The OCR-aware name distance and name keys on Vietnamese pairs."""

from __future__ import annotations

import pytest

from matching.text import (
    name_key_variants,
    name_parts,
    ocr_name_similarity,
    surname_equivalence_key,
)


def similarity(a: str, b: str) -> float:
    return float(ocr_name_similarity([a], [b])[0])


def test_dropped_diacritics_stay_close() -> None:
    assert similarity("Nguyễn Thị Hồng", "Nguyen Thi Hong") >= 0.8
    assert similarity("Nguyễn Thị Hồng", "NGUYỄN THỊ HỒNG") == 1.0


def test_a_letter_costs_more_than_a_tone() -> None:
    tone_changed = similarity("Hồng", "Hổng")
    tone_dropped = similarity("Hồng", "Hông")
    letter_changed = similarity("Hồng", "Hùng")
    assert tone_changed == tone_dropped > letter_changed
    assert similarity("Hồng", "Hong") > letter_changed


@pytest.mark.parametrize(
    ("written", "confused", "another_letter"),
    [
        ("Trương", "Truong", "Thương"),  # ư/u and ơ/o
        ("Đức", "Dức", "Bức"),  # đ/d
        ("Phượng", "Phuợng", "Khượng"),  # ư/u
        ("Sơn", "Son", "Sen"),  # ơ/o
    ],
)
def test_ocr_confusions_cost_less_than_a_letter(
    written: str, confused: str, another_letter: str
) -> None:
    assert similarity(written, confused) > similarity(written, another_letter)


def test_marks_only_difference_is_mark_cost_per_mark() -> None:
    # "Hồng" -> "Hong": two marks (circumflex, grave) over 4 letters, a mark costing 0.25.
    assert similarity("Hồng", "Hong") == pytest.approx(1 - 2 * 0.25 / 4)
    # "Hồng" -> "Hùng": one letter (o/u) and one mark (the circumflex).
    assert similarity("Hồng", "Hùng") == pytest.approx(1 - (1 + 0.25) / 4)


def test_huynh_and_hoang_share_a_family_key() -> None:
    assert surname_equivalence_key("Huỳnh") == surname_equivalence_key("Hoàng")
    assert surname_equivalence_key("Võ") == surname_equivalence_key("VŨ")
    assert surname_equivalence_key("Nguyễn") != surname_equivalence_key("Hoàng")
    huynh = name_parts("HUỲNH văn an")
    hoang = name_parts("Hoàng Văn An")
    assert huynh is not None and hoang is not None
    assert huynh.key == hoang.key == "hoang van an"


def test_name_parts_split_family_middle_given() -> None:
    parts = name_parts("  nguyễn  thị hồng NHUNG ")
    assert parts is not None
    assert (parts.full, parts.family, parts.middle, parts.given) == (
        "Nguyễn Thị Hồng Nhung",
        "Nguyễn",
        "Thị Hồng",
        "Nhung",
    )
    assert name_parts("   ") is None
    assert name_parts("Lê Na").middle == ""


def test_name_key_variants_cover_both_readings() -> None:
    assert sorted(name_key_variants("Huỳnh Văn An")) == ["hoang van an", "huynh van an"]
    assert name_key_variants("Trần Văn An") == ["tran van an"]
