"""Text basics: NFC, spacing, folding, Vietnamese casing and tone placement."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalize import text as text_module
from normalize.text import (
    _FOLD_TABLE,
    clean_spacing,
    clean_text,
    fold,
    has_diacritics,
    nfc,
    standard_tone_placement,
    title_case,
)

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
words = st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper(), min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=5).map(" ".join)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đặng Thị", "dang thi"),
        ("NGUYỄN THỊ HỒNG NHUNG", "nguyen thi hong nhung"),
        ("  Huỳnh   Tấn  ", "huynh tan"),
        ("Ưng Ơn Ắt Ẩn", "ung on at an"),
        (unicodedata.normalize("NFD", "Nguyễn Văn Đức"), "nguyen van duc"),
        ("Lê \u0301 Na", "le na"),  # a word of marks alone folds to nothing
        ("\u0301\u0323", ""),
        ("Phố Ðinh Lễ 中", "pho dinh le 中"),
        ("Thành  phố\u00a0HCM", "thanh pho hcm"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NGUYỄN THỊ HỒNG NHUNG", "Nguyễn Thị Hồng Nhung"),
        ("nguyễn thị hồng nhung", "Nguyễn Thị Hồng Nhung"),
        ("đặng văn ý", "Đặng Văn Ý"),
        ("h'mông", "H'Mông"),
        ("BRU-VÂN KIỀU", "Bru-Vân Kiều"),
    ],
)
def test_title_case(text: str, expected: str) -> None:
    assert title_case(text) == expected


@given(names)
def test_title_case_is_idempotent(text: str) -> None:
    once = title_case(text)
    assert title_case(once) == once


def _spacing_reference(text: str) -> str:
    """clean_spacing with runs of any whitespace around the punctuation, as first written."""
    text = " ".join(text.split())
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return re.sub(r"\s+([,.;:)\]])", r"\1", text)


@given(st.text(alphabet="ab ,.;:()[]\t\n\u00a0\u2003ữ"))
def test_spacing_cleaned_as_the_reference(text: str) -> None:
    assert clean_spacing(text) == _spacing_reference(text)


def _fold_whole(text: str) -> str:
    """What fold means: the whole text through the folding table, lower case, single spaces."""
    return " ".join(text.translate(_FOLD_TABLE).lower().split())


# combining marks (alone they make words that fold to nothing), characters the table leaves as
# they are, every kind of space
ODD_CHARACTERS = "ÐßøΆ中\u0301\u0323 \t\u00a0,.-'A1"


@given(st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + ODD_CHARACTERS))
def test_fold_word_by_word_is_the_whole_text_folded(text: str) -> None:
    assert fold(text) == _fold_whole(text)
    decomposed = unicodedata.normalize("NFD", text)
    assert fold(decomposed) == _fold_whole(decomposed)


def test_fold_forgets_its_words_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "_FOLDED_WORDS_LIMIT", 3)
    text_module._FOLDED_WORDS.clear()
    assert fold("Ắt Ẩn Ơn Ưng Đức") == "at an on ung duc"
    assert len(text_module._FOLDED_WORDS) <= 3


@given(names)
def test_fold_is_ascii_lower_and_idempotent(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower() == fold(folded)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoà", "Hòa"),
        ("Thuý", "Thúy"),
        ("KHOẺ", "KHỎE"),
        ("Quý Quỳnh", "Quý Quỳnh"),  # the u of qu is not a glide vowel
        ("Hoàn Thuận", "Hoàn Thuận"),  # a coda keeps the tone where it is
        ("uỷ ban", "ủy ban"),
    ],
)
def test_standard_tone_placement(text: str, expected: str) -> None:
    assert standard_tone_placement(text) == expected


@given(names)
def test_tone_placement_is_idempotent_and_fold_preserving(text: str) -> None:
    placed = standard_tone_placement(nfc(text))
    assert standard_tone_placement(placed) == placed
    assert fold(placed) == fold(text)


def test_nfc_joins_decomposed_marks_and_straightens_quotes() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn K’Ho")
    assert nfc(decomposed) == "Nguyễn K'Ho"
    assert nfc("a\u200bb") == "ab"


def test_clean_spacing() -> None:
    assert clean_spacing("  Quảng An ,  Tây Hồ ( Hà Nội ) ") == "Quảng An, Tây Hồ (Hà Nội)"
    assert clean_text("\tNguyễn\n Văn  ") == "Nguyễn Văn"


def test_has_diacritics() -> None:
    assert has_diacritics("Lê") and has_diacritics("Đào")
    assert not has_diacritics("Nguyen Van Lan")
