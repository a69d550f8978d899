"""The valid-syllable checker: phonotactic rules, spelling rules, the stop-coda tone rule."""

from __future__ import annotations

import pytest

from normalize.lexicon import NAME_SYLLABLES
from normalize.syllables import invalid_syllables, is_valid_syllable, is_valid_word

VALID = str.split(
    "Nguyễn Thị Hồng Nhung Trần Lê Phạm Huỳnh Hoàng Vũ Võ Đặng Bùi Đỗ Ngô Dương Lý Quỳnh Quốc "
    "Quyết Quyên Nghĩa Nghiêm Kiên Kỳ Gia Giếng Gì Giẻ Uyên Yến Oanh Khoa Loan Xuân Thuận Huệ "
    "Tuyết Thuở Khuya Ước Phượng Hương Trường Nhật Nguyệt Đức Phúc Lộc Thịnh Bắc Hoạch Huých "
    "Ngoặt Quýt Khuếch Oán Ủy Khoắng Xoăn Khỏe Khoẻ Sỹ Mỹ Vy Ý Út Ốc Ích hòa hoà"
)
INVALID = [
    "nguyen",  # yê without its circumflex: "uyen" is no rime
    "Thj",  # j is not a Vietnamese letter
    "ưung",  # Tesseract's "Tập ưung" (DOMAIN.md §2)
    "quyêt",  # a stop coda needs sắc or nặng
    "càt",  # idem
    "ge",  # g before e is written gh
    "nge",  # ng before e is written ngh
    "ci",  # c before i is written k
    "gha",  # gh only before i, e, ê
    "ngiêm",  # ngh before iê
    "tât",  # â + stop coda without sắc/nặng
    "phoa",  # labials take no glide
    "xyz",
    "ng",
    "Ng3",
]


@pytest.mark.parametrize("syllable", VALID)
def test_valid_syllables(syllable: str) -> None:
    assert is_valid_syllable(syllable)


@pytest.mark.parametrize("syllable", INVALID)
def test_impossible_syllables(syllable: str) -> None:
    assert not is_valid_syllable(syllable)


def test_every_lexicon_syllable_is_valid_or_a_listed_exception() -> None:
    assert [s for s in NAME_SYLLABLES if not is_valid_syllable(s)] == []


def test_words_with_prefixes_and_hyphens() -> None:
    assert is_valid_word("H'Mông") and is_valid_word("K'Ho")
    assert invalid_syllables("Tập ưung Tà-Ôi Bru") == ["ưung", "Bru"]


def test_two_tone_marks_are_impossible() -> None:
    assert not is_valid_syllable("hoằ\u0301")
