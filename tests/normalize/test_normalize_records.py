"""Whole entries: typed records, provenance copied, cross-field checks, every issue collected."""

from __future__ import annotations

import gc
import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from normalize import clear_caches
from normalize import names as names_module
from normalize import records as records_module
from normalize.records import (
    REQUIRED_FIELDS,
    NormalizeOptions,
    collector_paused,
    normalize_entries,
    normalize_entry,
)
from schemas.enums import IssueSeverity, RegisterType, Sex
from schemas.records import RECORD_MODELS, Place, RawEntry, record_fields
from schemas.values import PartialDate

MakeEntry = Callable[..., RawEntry]

BIRTH = {
    "registration_number": "Số 12",
    "registration_date": "20/03/2020",
    "full_name": "NGUYỄN THỊ HỒNG NHUNG",
    "date_of_birth": "ngày 05 tháng 03 năm 2020",
    "sex": "NỮ",
    "ethnicity": "dân tộc Kinh",
    "nationality": "Việt Nam",
    "place_of_birth": "Bệnh viện Phụ sản Hà Nội, phường Ngọc Khánh, quận Ba Đình, TP Hà Nội",
    "hometown": "Nam Định",
    "personal_id": "001320123456",
    "mother_name": "Trần Thị Lan",
    "mother_birth_year": "1994",
    "father_name": "Nguyễn Văn Nam",
    "father_birth_year": "1990",
    "parents_residence": "Tổ 24, phường Quảng An, quận Tây Hồ, TP Hà Nội",
    "declarant": "NGUYỄN VĂN NAM (cha)",
    "notes": "",
}
DEATH = {
    "registration_number": "3",
    "registration_date": "10/03/2020",
    "full_name": "Lê Văn Tám",
    "date_of_birth": "1930",
    "sex": "Nam",
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
    "personal_id": "001030123456",
    "last_residence": "phường Bưởi, quận Tây Hồ, Hà Nội",
    "time_of_death": "14 giờ 30 phút, ngày 05/03/2020",
    "place_of_death": "Tại nhà",
    "cause_of_death": "Già yếu",
}
MARRIAGE = {
    "registration_number": "7",
    "registration_date": "05/06/2020",
    "husband_full_name": "Lê Công Trí",
    "husband_date_of_birth": "19/07/1992",
    "husband_ethnicity": "Kinh",
    "husband_nationality": "Việt Nam",
    "husband_residence": "Tổ dân phố 3, Phường Quảng An, Quận Tây Hồ, Thành phố Hà Nội",
    "husband_personal_id": "001092267070",
    "wife_full_name": "Trần Cẩm Ly",
    "wife_date_of_birth": "10/08/1995",
    "wife_ethnicity": "Tày",
    "wife_nationality": "Việt Nam",
    "wife_residence": "Phường Tây Hồ, Thành phố Hà Nội",
    "wife_personal_id": "001195432542",
}


def codes(result: object, field: str | None = None) -> list[str]:
    return [i.code for i in result.issues if field is None or i.field == field]  # type: ignore[attr-defined]


def test_birth_record(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    entry = make_entry(RegisterType.BIRTH, BIRTH)
    result = normalize_entry(entry, options)
    record = result.record
    assert record.kind == "birth" and record.record_id == entry.entry_id
    assert record.full_name.value == "Nguyễn Thị Hồng Nhung"
    assert record.date_of_birth.value == PartialDate(year=2020, month=3, day=5)
    assert record.registration_number.value == 12
    assert record.sex.value is Sex.FEMALE
    assert record.ethnicity.value == "Kinh" and result.ethnicity_codes == {"ethnicity": "01"}
    assert record.mother_birth_year.value == 1994
    assert record.declarant.value == "Nguyễn Văn Nam (cha)"
    assert isinstance(record.parents_residence.value, Place)
    assert record.parents_residence.value.new_ward == "Phường Tây Hồ"
    assert (record.ward, record.ward_code) == ("Phường Tây Hồ", "00103")
    assert result.names["full_name"].family == "Nguyễn"
    # provenance of every value: the raw text, its confidence, page and box
    raw = entry.fields["full_name"]
    assert record.full_name.raw_text == raw.text
    assert record.full_name.confidence == raw.confidence
    assert record.full_name.bbox == raw.bbox
    assert record.full_name.page_number == entry.provenance.page_number
    assert record.notes.raw_text == "" and record.notes.value is None
    assert codes(result, "place_of_birth") == ["place.ward_split"]  # Ngọc Khánh was split
    assert codes(result, "parents_residence") == ["place.ward_split"]
    assert codes(result, "hometown") == []  # a province alone
    assert result.can_auto_link


@pytest.mark.parametrize("fields", [BIRTH, DEATH, MARRIAGE], ids=["birth", "death", "marriage"])
def test_records_equal_their_validated_dump(
    make_entry: MakeEntry, options: NormalizeOptions, fields: dict[str, str]
) -> None:
    """Records are built without re-validation: they must be exactly what validation gives."""
    register_type = {id(BIRTH): "birth", id(DEATH): "death", id(MARRIAGE): "marriage"}[id(fields)]
    record = normalize_entry(make_entry(RegisterType(register_type), fields), options).record
    model = RECORD_MODELS[RegisterType(register_type)]
    again = model.model_validate_json(record.model_dump_json())
    assert again == record
    assert again.model_dump() == record.model_dump()


def test_death_record_takes_the_date_from_the_time_of_death(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    entry = make_entry(RegisterType.DEATH, DEATH)
    fields_before = dict(entry.fields)
    result = normalize_entry(entry, options)
    record = result.record
    assert entry.fields == fields_before  # the entry is read, never changed
    assert record.time_of_death.value == "14:30"
    assert record.date_of_death.value == PartialDate(year=2020, month=3, day=5)
    assert record.date_of_death.raw_text == DEATH["time_of_death"]
    assert codes(result) == ["place.converted", "date.partial"]  # born "1930": year only


def test_marriage_record(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    result = normalize_entry(make_entry(RegisterType.MARRIAGE, MARRIAGE), options)
    assert result.record.wife_ethnicity.value == "Tày"
    assert codes(result) == ["place.ward_split"]
    assert result.can_auto_link


@pytest.mark.parametrize("register_type", list(RegisterType))
def test_missing_required_fields_are_errors_not_drops(
    make_entry: MakeEntry, options: NormalizeOptions, register_type: RegisterType
) -> None:
    result = normalize_entry(make_entry(register_type, {"notes": "x"}), options)
    missing = {i.field for i in result.issues if i.code == "field.missing"}
    assert missing == set(REQUIRED_FIELDS[register_type])
    assert all(
        i.severity is IssueSeverity.ERROR for i in result.issues if i.code == "field.missing"
    )
    assert not result.can_auto_link
    assert result.record.notes.value == "x"


def test_unreadable_required_field_is_missing(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    result = normalize_entry(make_entry(RegisterType.BIRTH, {**BIRTH, "sex": "?"}), options)
    assert codes(result, "sex") == ["sex.unknown", "field.missing"]
    assert result.record.sex.raw_text == "?" and result.record.sex.value is None


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"date_of_birth": "31/02/2020"}, "date_of_birth", ["date.impossible", "field.missing"]),
        (
            {"registration_date": "20/01/2020"},
            "registration_date",
            ["date.registration_before_event"],
        ),
        ({"personal_id": "001220123456"}, "personal_id", ["personal_id.sex_mismatch"]),
        ({"personal_id": "001319123456"}, "personal_id", ["personal_id.year_mismatch"]),
        ({"personal_id": "079320123456"}, "personal_id", ["personal_id.province_mismatch"]),
        ({"mother_birth_year": "2021"}, "mother_birth_year", ["parents.born_after_child"]),
        ({"date_of_birth": "05/03/2030"}, "date_of_birth", ["date.in_future"]),
    ],
)
def test_errors_block_auto_linking(
    make_entry: MakeEntry,
    options: NormalizeOptions,
    changes: dict[str, str],
    field: str,
    expected: list[str],
) -> None:
    result = normalize_entry(make_entry(RegisterType.BIRTH, {**BIRTH, **changes}), options)
    assert codes(result, field) == expected
    assert not result.can_auto_link


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"mother_birth_year": "1950"}, "mother_birth_year", ["parents.implausible_age"]),
        ({"father_birth_year": "2010"}, "father_birth_year", ["parents.implausible_age"]),
        (
            {"registration_date": "20/03/2021"},
            "registration_date",
            ["date.late_registration", "date.registration_outside_book_year"],
        ),
        ({"personal_id": "012345678"}, "personal_id", ["personal_id.other_paper"]),
        ({"personal_id": ""}, "personal_id", ["personal_id.missing"]),
        ({"hometown": "xyz"}, "hometown", ["place.unparsed"]),
        (
            {"full_name": "Nguyen Thi Hong Nhung"},
            "full_name",
            ["name.invalid_syllable", "name.missing_diacritics"],
        ),
    ],
)
def test_warnings_and_notes_do_not_block(
    make_entry: MakeEntry,
    options: NormalizeOptions,
    changes: dict[str, str],
    field: str,
    expected: list[str],
) -> None:
    result = normalize_entry(make_entry(RegisterType.BIRTH, {**BIRTH, **changes}), options)
    assert codes(result, field) == expected
    assert result.can_auto_link


def test_missing_id_is_noted_from_2016(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    fields = {k: v for k, v in BIRTH.items() if k != "personal_id"}
    result = normalize_entry(make_entry(RegisterType.BIRTH, fields), options)
    assert codes(result, "personal_id") == ["personal_id.missing"]
    old = {**fields, "registration_date": "20/03/2010", "date_of_birth": "05/03/2010"}
    result = normalize_entry(make_entry(RegisterType.BIRTH, old, book_year=2010), options)
    assert codes(result, "personal_id") == []


def test_day_month_swap_repaired_when_only_the_swap_makes_sense(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    # born "03/05/2020" (3 May) but registered 20 March: the clerk swapped day and month
    result = normalize_entry(
        make_entry(RegisterType.BIRTH, {**BIRTH, "date_of_birth": "03/05/2020"}), options
    )
    assert result.record.date_of_birth.value == PartialDate(year=2020, month=3, day=5)
    assert codes(result, "date_of_birth") == ["date.day_month_swapped"]
    assert codes(result, "registration_date") == []
    assert result.can_auto_link


def test_day_month_swap_flagged_when_the_swap_fits_the_registration_deadline(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    # registered 20 May; "05/03" gives 76 days (over the 60-day limit), "03/05" gives 17
    fields = {**BIRTH, "registration_date": "20/05/2020", "date_of_birth": "05/03/2020"}
    result = normalize_entry(make_entry(RegisterType.BIRTH, fields), options)
    assert result.record.date_of_birth.value == PartialDate(year=2020, month=3, day=5)
    assert codes(result, "date_of_birth") == ["date.ambiguous_day_month"]
    assert "2020-05-03" in result.issues[-1].message or any(
        "2020-05-03" in i.message for i in result.issues
    )


def test_no_swap_flag_without_evidence(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    fields = {**BIRTH, "registration_date": "10/03/2020", "date_of_birth": "05/03/2020"}
    result = normalize_entry(make_entry(RegisterType.BIRTH, fields), options)
    assert codes(result, "date_of_birth") == []


def test_death_before_birth(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    fields = {**DEATH, "date_of_birth": "25/06/2020"}
    result = normalize_entry(make_entry(RegisterType.DEATH, fields), options)
    assert "date.death_before_birth" in codes(result, "date_of_death")
    assert not result.can_auto_link


def test_marriage_under_legal_age(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    fields = {**MARRIAGE, "husband_date_of_birth": "01/01/2001", "wife_date_of_birth": "2002"}
    result = normalize_entry(make_entry(RegisterType.MARRIAGE, fields), options)
    assert codes(result, "husband_date_of_birth") == ["marriage.under_legal_age"]
    assert codes(result, "wife_date_of_birth") == ["date.partial"]  # may already be 18
    fields = {**MARRIAGE, "wife_date_of_birth": "01/12/2003"}
    result = normalize_entry(make_entry(RegisterType.MARRIAGE, fields), options)
    assert codes(result, "wife_date_of_birth") == ["marriage.under_legal_age"]


def test_marriage_ids_are_checked_against_the_parties(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    fields = {**MARRIAGE, "husband_personal_id": "001192267070"}
    result = normalize_entry(make_entry(RegisterType.MARRIAGE, fields), options)
    assert codes(result, "husband_personal_id") == ["personal_id.sex_mismatch"]


def test_low_confidence_on_key_fields(make_entry: MakeEntry, options: NormalizeOptions) -> None:
    result = normalize_entry(make_entry(RegisterType.BIRTH, BIRTH, confidence=0.5), options)
    low = [i.field for i in result.issues if i.code == "ocr.low_confidence"]
    assert low == [  # in the order the fields are read
        "registration_number",
        "registration_date",
        "full_name",
        "date_of_birth",
        "sex",
        "personal_id",
    ]
    assert result.can_auto_link


def test_fields_of_another_register_are_noted(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    result = normalize_entry(
        make_entry(RegisterType.BIRTH, {**BIRTH, "date_of_death": "1/1/2020"}), options
    )
    assert codes(result, "date_of_death") == ["field.unexpected"]
    # kept out of the record: no doubt about how it was read either
    doubtful = make_entry(
        RegisterType.BIRTH, {**BIRTH, "date_of_death": "1/1/2020"}, confidence=0.5
    )
    assert codes(normalize_entry(doubtful, options), "date_of_death") == ["field.unexpected"]


garbage = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30
) | st.sampled_from(["31/02/1990", "99/99/9999", "ngày tháng năm", "(((", "0", "   "])


@pytest.mark.parametrize("register_type", list(RegisterType))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_garbage_gives_a_record_with_issues_never_an_exception(
    make_entry: MakeEntry,
    options: NormalizeOptions,
    register_type: RegisterType,
    data: st.DataObject,
) -> None:
    texts = {name: data.draw(garbage, label=name) for name in record_fields(register_type)}
    book_ward = data.draw(garbage, label="book_ward")
    entry = make_entry(register_type, texts, book_ward=book_ward)
    result = normalize_entry(entry, options)
    assert result.record.kind == register_type.value
    for name in record_fields(register_type):
        assert getattr(result.record, name).raw_text == texts[name]
    if any(not getattr(result.record, n).value for n in REQUIRED_FIELDS[register_type]):
        assert not result.can_auto_link
    RECORD_MODELS[register_type].model_validate_json(result.record.model_dump_json())


def _entries(make_entry: MakeEntry) -> list[RawEntry]:
    return [
        make_entry(RegisterType.BIRTH, BIRTH),
        make_entry(RegisterType.DEATH, DEATH),
        make_entry(RegisterType.MARRIAGE, MARRIAGE),
        make_entry(RegisterType.BIRTH, {**BIRTH, "date_of_birth": "03/05/2020", "sex": "?"}),
        make_entry(RegisterType.DEATH, {**DEATH, "date_of_death": "1/1/2030"}, confidence=0.5),
        make_entry(RegisterType.MARRIAGE, dict.fromkeys(MARRIAGE, "((("), book_ward="x"),
    ]


def test_batches_give_the_records_of_single_entries(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    entries = _entries(make_entry)
    clear_caches()
    batch = normalize_entries(entries, options)
    clear_caches()
    single = [normalize_entry(entry, options) for entry in entries]
    assert [r.record for r in batch] == [r.record for r in single]
    assert [(r.names, r.ethnicity_codes) for r in batch] == [
        (r.names, r.ethnicity_codes) for r in single
    ]


def test_records_with_the_same_fields_share_a_fields_set_nobody_can_grow(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    """Each record's fields-set is what validation gives; records are frozen, so sharing holds."""
    first = normalize_entry(make_entry(RegisterType.BIRTH, BIRTH), options).record
    again = normalize_entry(make_entry(RegisterType.BIRTH, {**BIRTH, "sex": "Nữ"}), options).record
    fewer = {k: v for k, v in BIRTH.items() if k != "hometown"}
    other = normalize_entry(make_entry(RegisterType.BIRTH, fewer), options).record
    given = {"record_id", "ward", "ward_code", "provenance", "issues"}
    for record, texts in ((first, BIRTH), (again, BIRTH), (other, fewer)):
        assert record.model_fields_set == given | texts.keys()
    assert first.model_fields_set is again.model_fields_set
    assert "hometown" not in other.model_fields_set
    with pytest.raises(ValidationError, match="frozen"):
        first.full_name = first.registration_date  # type: ignore[misc]
    assert "hometown" in again.model_fields_set


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_restored_after_a_batch(
    make_entry: MakeEntry, options: NormalizeOptions, enabled: bool
) -> None:
    was_enabled = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        normalize_entries(_entries(make_entry), options)
        assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), collector_paused():
            assert not gc.isenabled()
            _ = 1 / 0
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was_enabled else gc.disable()


# Run in a fresh interpreter: in the test process, threads that earlier tests left (Prefect's
# client, Dask's loop) drop cycles of their own while the collector is paused, and a collection
# counts every cycle in the process. A first pass does the lazy imports (the address package
# pulls in pandas): an import's own garbage is not normalization's.
_CYCLE_CHECK = """
import gc, json, pickle, sys
from normalize import clear_caches
from normalize.records import collector_paused, normalize_entry
entries, options = pickle.load(sys.stdin.buffer)
for entry in entries:
    normalize_entry(entry, options)
clear_caches()
gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)  # what the collection finds stays in gc.garbage, to be named
with collector_paused():
    for entry in entries:
        normalize_entry(entry, options)
    found = gc.collect()
leaked = sorted({f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage})
print(json.dumps([found, leaked]))
"""


def test_normalization_makes_no_reference_cycles(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    """Why the batch may pause the collector: reference counting frees all it drops."""
    done = subprocess.run(
        [sys.executable, "-c", _CYCLE_CHECK],
        input=pickle.dumps((_entries(make_entry), options)),
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    found, leaked = json.loads(done.stdout.decode().splitlines()[-1])
    assert found == 0, f"objects in reference cycles: {leaked}"


def test_two_digit_years_are_read_per_book_year(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    """The same text in books of two centuries: remembered readings must not mix them."""
    texts = {**BIRTH, "date_of_birth": "05/03/20", "registration_date": "20/03/20"}
    recent = normalize_entry(make_entry(RegisterType.BIRTH, texts, book_year=2020), options)
    old = normalize_entry(make_entry(RegisterType.BIRTH, texts, book_year=1930), options)
    assert recent.record.date_of_birth.value == PartialDate(year=2020, month=3, day=5)
    assert old.record.date_of_birth.value == PartialDate(year=1920, month=3, day=5)
    again = normalize_entry(make_entry(RegisterType.BIRTH, texts, book_year=2020), options)
    assert again.record == recent.record
    # nor the readings one field shares with another (a birth date, a death date)
    died = {**DEATH, "date_of_death": "05/03/20", "registration_date": "20/03/20"}
    death = normalize_entry(make_entry(RegisterType.DEATH, died, book_year=1930), options)
    assert death.record.date_of_death.value == PartialDate(year=1920, month=3, day=5)


def test_name_parts_and_ethnicity_codes_are_those_of_the_cells(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    texts = {**MARRIAGE, "husband_ethnicity": "xyz", "wife_full_name": " ", "wife_ethnicity": "TÀY"}
    result = normalize_entry(make_entry(RegisterType.MARRIAGE, texts), options)
    husband = names_module.normalize_name(MARRIAGE["husband_full_name"]).parts
    assert result.ethnicity_codes == {"wife_ethnicity": "02"}  # "xyz" is no group
    assert result.names == {"husband_full_name": husband}  # a blank name has no parts
    assert husband is not None and husband.given == "Trí"
    clear_caches()  # read again from the record's texts, not from remembered readings
    assert result.names == {"husband_full_name": husband}
    assert result.ethnicity_codes == {"wife_ethnicity": "02"}


def test_names_and_dates_read_for_one_field_serve_the_others(
    make_entry: MakeEntry, options: NormalizeOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_caches()
    read: list[str] = []

    def counted(function: Callable[..., Any]) -> Callable[..., Any]:
        def reading(text: str, *rest: Any) -> Any:
            read.append(text)
            return function(text, *rest)

        return reading

    monkeypatch.setattr(records_module, "read_name", counted(records_module.read_name))
    monkeypatch.setattr(records_module, "parse_date", counted(records_module.parse_date))
    texts = {**BIRTH, "father_name": "Trần Văn Hùng", "declarant": "Trần Văn Hùng"}
    first = normalize_entry(make_entry(RegisterType.BIRTH, texts), options)
    assert first.record.declarant.value == "Trần Văn Hùng"
    death_texts = {**DEATH, "full_name": "Trần Văn Hùng", "date_of_death": "20/03/2020"}
    death = normalize_entry(make_entry(RegisterType.DEATH, death_texts), options)
    assert death.record.full_name.value == "Trần Văn Hùng"
    assert death.record.date_of_death.value == PartialDate(year=2020, month=3, day=20)
    assert read.count("Trần Văn Hùng") == 1  # read once, for three fields
    assert read.count(BIRTH["registration_date"]) == 1  # and a date once, for two
    # a reading without issues is one object for every field that reads the text
    memos = records_module._MEMOS
    assert memos["father_name"]["Trần Văn Hùng"] is memos["full_name"]["Trần Văn Hùng"]
    assert memos["declarant"]["Trần Văn Hùng"] is memos["full_name"]["Trần Văn Hùng"]
    assert memos["date_of_death"]["20/03/2020"] is memos["registration_date"]["20/03/2020"]


def test_a_text_read_for_two_fields_keeps_each_fields_issues(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    texts = {**BIRTH, "full_name": "Lê Na", "mother_name": "Lê Na", "father_name": "Lê Na"}
    result = normalize_entry(make_entry(RegisterType.BIRTH, texts), options)
    no_middle = [i.field for i in result.issues if i.code == "name.no_middle_name"]
    assert no_middle == ["full_name", "mother_name", "father_name"]


def test_values_changed_by_the_checks_are_in_the_record(
    make_entry: MakeEntry, options: NormalizeOptions
) -> None:
    """A swapped day and month, a date in the future: the record holds the checked value."""
    swapped = normalize_entry(
        make_entry(RegisterType.BIRTH, {**BIRTH, "date_of_birth": "03/05/2020"}), options
    ).record
    assert swapped.date_of_birth.value == PartialDate(year=2020, month=3, day=5)
    assert swapped.date_of_birth.raw_text == "03/05/2020"
    future = normalize_entry(
        make_entry(RegisterType.DEATH, {**DEATH, "date_of_death": "05/03/2030"}), options
    ).record
    assert future.date_of_death.value is None
    assert future.date_of_death.raw_text == "05/03/2030"
    again = RECORD_MODELS[RegisterType.DEATH].model_validate_json(future.model_dump_json())
    assert again == future
