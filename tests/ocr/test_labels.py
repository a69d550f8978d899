"""The label table: every printed variant of every field reads back as that field."""

from __future__ import annotations

import pytest

from ocr.engine import FieldKind
from ocr.labels import (
    MIN_LABEL_SCORE,
    assign_fields,
    best_field,
    field_kind,
    fields_of,
    label_key,
    match_party_group,
    match_title,
)
from schemas.enums import RegisterType
from schemas.records import record_fields
from synth.render.labels import (
    BOOK_TITLES,
    FORM_TITLES,
    LABELS,
    PARTIES,
    PARTY_GROUPS,
    PARTY_LABELS,
    PARTY_SUFFIXES,
    apply_case,
)

CASES = ("as_is", "upper", "no_marks", "upper_no_marks")


def _variants(register_type: RegisterType) -> list[tuple[str, str]]:
    """(label as printed by the renderer, field) for every variant and letter case."""
    found = [
        (apply_case(label, case), field)
        for field, labels in LABELS[register_type].items()
        for label in labels
        for case in CASES
    ]
    if register_type is RegisterType.MARRIAGE:
        for party, word in PARTIES.items():
            for base, labels in PARTY_LABELS.items():
                for label in labels:
                    for suffix in PARTY_SUFFIXES:
                        printed = label + suffix.format(party=word)
                        found.extend((apply_case(printed, c), f"{party}_{base}") for c in CASES)
    return found


@pytest.mark.parametrize("register_type", list(RegisterType))
def test_every_printed_label_variant_reads_as_its_field(register_type: RegisterType) -> None:
    wrong = [
        (label, field, best_field(label, register_type))
        for label, field in _variants(register_type)
        if (found := best_field(label, register_type)) is None or found.field != field
    ]
    assert wrong == []


@pytest.mark.parametrize("case", CASES)
def test_bare_party_labels_read_under_their_group_header(case: str) -> None:
    for party in PARTIES:
        for base, labels in PARTY_LABELS.items():
            for label in labels:
                found = best_field(apply_case(label, case), RegisterType.MARRIAGE, party)
                assert found is not None and found.field == f"{party}_{base}", label


def test_group_headers_name_their_party() -> None:
    for husband, wife in PARTY_GROUPS:
        for case in CASES:
            assert match_party_group(apply_case(husband, case)) == "husband"
            assert match_party_group(apply_case(wife, case)) == "wife"
    assert match_party_group("Ghi chú") is None


def test_ocr_slips_in_a_header_still_match() -> None:
    assert best_field("NGUOIDLI KHAISINH", RegisterType.BIRTH).field == "declarant"
    assert best_field("SƠ ĐANG KY", RegisterType.BIRTH).field == "registration_number"
    assert best_field("NÓI CU TRU", RegisterType.BIRTH).field == "parents_residence"
    assert best_field("QUOC TỊCH", RegisterType.DEATH).field == "nationality"


def test_an_unknown_header_matches_nothing() -> None:
    for text in ("Nghề nghiệp", "Chữ ký", "Mã hồ sơ", ""):
        assert best_field(text, RegisterType.BIRTH) is None, text


def test_label_key_folds_case_marks_and_punctuation() -> None:
    assert label_key("Ngày, tháng, năm SINH (mẹ)") == "ngay thang nam sinh me"
    assert label_key("SỐ ĐDCN") == label_key("so ddcn") == "so ddcn"


def test_each_field_is_assigned_once_best_pairs_first() -> None:
    readings = {
        0: [("Họ và tên", None)],
        1: [("Họ tên", None)],  # a second name column: the weaker match loses
        2: [("Ngày sinh", None)],
        3: [("Nghề nghiệp", None)],
    }
    assigned = assign_fields(readings, RegisterType.BIRTH)
    assert {slot: match.field for slot, match in assigned.items()} == {
        0: "full_name",
        2: "date_of_birth",
    }
    assert all(match.score >= MIN_LABEL_SCORE for match in assigned.values())


def test_titles_give_the_register_type_and_page_kind() -> None:
    for register_type, title in BOOK_TITLES.items():
        for case in CASES:
            found = match_title(apply_case(title, case) + " - Phường Quảng An")
            assert found is not None
            assert (found.register_type, found.is_form) == (register_type, False)
    for register_type, titles in FORM_TITLES.items():
        for title in titles:
            found = match_title(title)
            assert found is not None
            assert (found.register_type, found.is_form) == (register_type, True)
    assert match_title("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") is None
    assert match_title("Độc lập - Tự do - Hạnh phúc") is None


def test_label_fields_are_record_fields() -> None:
    for register_type in RegisterType:
        assert set(fields_of(register_type)) <= set(record_fields(register_type))


def test_field_kinds_choose_recognition_settings() -> None:
    assert field_kind("personal_id") is FieldKind.NUMBER
    assert field_kind("wife_personal_id") is FieldKind.NUMBER
    assert field_kind("mother_birth_year") is FieldKind.NUMBER
    assert field_kind("husband_full_name") is FieldKind.NAME
    assert field_kind("declarant") is FieldKind.NAME
    assert field_kind("date_of_birth") is FieldKind.TEXT  # dates may be written in words
    assert field_kind("parents_residence") is FieldKind.TEXT
