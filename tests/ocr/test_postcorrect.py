"""Post-correction: OCR damage repaired and recorded; what the clerk wrote left alone."""

from __future__ import annotations

import pytest

from ocr.engine import Word
from ocr.postcorrect import CORRECT_BELOW, correct_text, correct_words
from schemas.values import BBox

BOX = BBox(x0=0, y0=0, x1=10, y1=10)
DOUBTFUL = 0.4


@pytest.mark.parametrize(
    ("read", "field", "fixed", "changes"),
    [
        ("Tập ưung", "notes", "Tập trung", ["ưung -> trung"]),
        ("Bệnh vỉện Phụ sản", "place_of_birth", "Bệnh viện Phụ sản", ["vỉện -> viện"]),
        ("NGUYÊN THỊ YẾN", "full_name", "NGUYỄN THỊ YẾN", ["NGUYÊN -> NGUYỄN"]),
        ("ĐĂNG ĐỨC NAM", "mother_name", "ĐẶNG ĐỨC NAM", ["ĐĂNG -> ĐẶNG"]),
        ("ĐỖ THỊ HUYỂN", "wife_full_name", "ĐỖ THỊ HUYỀN", ["HUYỂN -> HUYỀN"]),
        ("0012l9O77965", "personal_id", "001219077965", ["0012l9O77965 -> 001219077965"]),
        ("|04/12/2019", "registration_date", "04/12/2019", ["|04/12/2019 -> 04/12/2019"]),
        ("Bệnh viện Phụ sản HàNội", "place_of_birth", "Bệnh viện Phụ sản Hà Nội",
         ["HàNội -> Hà Nội"]),
    ],
)  # fmt: skip
def test_damaged_words_are_repaired_and_recorded(
    read: str, field: str, fixed: str, changes: list[str]
) -> None:
    result = correct_text(read, field, DOUBTFUL)
    assert result.text == fixed
    assert list(result.corrections) == changes


@pytest.mark.parametrize(
    ("read", "field", "fixed"),
    [
        ("Bùi Quang - Dũng", "full_name", "Bùi Quang Dũng"),  # a speck read as a dash
        ("Đặng Đức Quân. l", "father_name", "Đặng Đức Quân"),
        ("xã Nghĩa Hưng, tỉnh: Nam Định", "hometown", "xã Nghĩa Hưng, tỉnh Nam Định"),
        (".Việt Nam", "nationality", "Việt Nam"),
        ("Nam ˆ", "sex", "Nam"),
    ],
)
def test_speckle_read_as_marks_is_removed(read: str, field: str, fixed: str) -> None:
    result = correct_text(read, field, DOUBTFUL)
    assert result.text == fixed
    assert result.corrections, "every removal is recorded"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("P. Quảng An, Q. Tây Hồ, TP Hà Nội", "parents_residence"),  # abbreviations keep dots
        ("14:30, ngày 05.03.2010", "time_of_death"),
        ("Nguyen Thi Hong", "full_name"),  # written without diacritics: stays so
        ("ngày mùng năm tháng ba năm một nghìn chín trăm chín mươi", "date_of_birth"),
        ("H'Mông", "ethnicity"),
    ],
)
def test_what_is_written_is_left_alone(text: str, field: str) -> None:
    result = correct_text(text, field, DOUBTFUL)
    assert (result.text, result.corrections) == (text, ())


def test_a_dash_read_with_confidence_stays() -> None:
    words = [Word(t, 0.93, BOX) for t in ("Bà", "Rịa", "-", "Vũng", "Tàu")]
    assert correct_words(words, "hometown").text == "Bà Rịa - Vũng Tàu"


def test_confident_words_are_taken_as_written() -> None:
    # A clerk's slip read clearly is what the register says: only doubtful words are touched.
    words = [Word("Nguyễm", 0.96, BOX), Word("Văn", 0.96, BOX), Word("Hùng", 0.96, BOX)]
    assert correct_words(words, "full_name").text == "Nguyễm Văn Hùng"
    doubtful = [Word("Tập", 0.95, BOX), Word("ưung", CORRECT_BELOW + 0.01, BOX)]
    assert correct_words(doubtful, "notes").text == "Tập ưung"


def test_an_ambiguous_repair_is_not_made() -> None:
    # "Yên" and "Yến" are both given names: nothing says which was meant.
    result = correct_text("Nguyễn Thị Yên", "full_name", DOUBTFUL)
    assert result.text == "Nguyễn Thị Yên"
    assert result.corrections == ()


def test_each_word_keeps_its_own_confidence() -> None:
    words = [Word("ĐĂNG", 0.95, BOX), Word("ĐỨC", 0.96, BOX), Word("NGUYÊN", 0.3, BOX)]
    result = correct_words(words, "full_name")
    assert result.text == "ĐĂNG ĐỨC NGUYÊN"  # sure words stay; Nguyên is also a given name


def test_numbers_lose_letters_read_for_digits_even_when_confident() -> None:
    result = correct_words([Word("2O19", 0.97, BOX)], "father_birth_year")
    assert (result.text, result.corrections) == ("2019", ("2O19 -> 2019",))


@pytest.mark.parametrize(
    ("read", "field", "fixed"),
    [
        ("ngày mười lăm tháng sáu nắm hai nghìn không trắm linh chín", "registration_date",
         "ngày mười lăm tháng sáu năm hai nghìn không trăm linh chín"),
        ("ngày 05 tháng 11 näm 1992", "wife_date_of_birth", "ngày 05 tháng 11 năm 1992"),
        ("mười giờ, ngày hai tháng tảm", "time_of_death", "mười giờ, ngày hai tháng tám"),
    ],
)  # fmt: skip
def test_date_words_get_the_marks_of_the_date_word_they_spell(
    read: str, field: str, fixed: str
) -> None:
    # Confident misreads too: a date in words has a closed vocabulary.
    assert correct_text(read, field, 0.95).text == fixed


def test_date_words_outside_date_fields_are_left_alone() -> None:
    assert correct_text("Nắm", "notes", 0.95).text == "Nắm"


@pytest.mark.parametrize(
    ("read", "field", "fixed"),
    [
        ("TDP 3, Quảng An, Tây Hó, Hà Nội", "wife_residence", "TDP 3, Quảng An, Tây Hồ, Hà Nội"),
        ("Bệnh viện Phụ sản Hà Nôi", "place_of_birth", "Bệnh viện Phụ sản Hà Nội"),
    ],
)  # fmt: skip
def test_province_and_district_names_without_their_unit_word_are_known(
    read: str, field: str, fixed: str
) -> None:
    assert correct_text(read, field, 0.95).text == fixed


@pytest.mark.parametrize(
    ("read", "fixed"),
    [
        ("07/04/2014 -", "07/04/2014"),
        ("- Tổ 18, P. Quảng An", "Tổ 18, P. Quảng An"),
        ("ˆ Việt Nam", "Việt Nam"),
        ("Phường Ngọc“ Khánh", "Phường Ngọc Khánh"),
    ],
)
def test_marks_at_the_edges_of_a_field_are_removed_even_when_confident(
    read: str, fixed: str
) -> None:
    result = correct_text(read, "notes", 0.95)
    assert result.text == fixed
    assert result.corrections


def test_a_dash_alone_in_a_cell_stays() -> None:
    assert correct_words([Word("-", 0.93, BOX)], "notes").text == "-"
