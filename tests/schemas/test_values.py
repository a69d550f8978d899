"""Value types: partial dates, boxes, field values and records round-trip through JSON."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.enums import DatePrecision, RegisterType, Sex
from schemas.records import BirthRecord, RawEntry, RawField, record_fields
from schemas.values import BBox, FieldValue, PartialDate, Provenance

PROVENANCE = Provenance(
    batch_id="b1",
    source_path="book/page1.tif",
    source_sha256="a" * 64,
    page_number=1,
    row_index=3,
    bbox=BBox(x0=10, y0=20, x1=300, y1=60),
)


@pytest.mark.parametrize(
    ("text", "precision"),
    [("1990", DatePrecision.YEAR), ("1990-03", DatePrecision.MONTH), ("1990-03-05", "day")],
)
def test_partial_date_keeps_precision(text: str, precision: DatePrecision) -> None:
    value = PartialDate.parse(text)
    assert value.precision == precision
    assert value.iso() == text


@pytest.mark.parametrize("text", ["1990-02-30", "1990-13", "90-03-05", "1990/03/05", "abc"])
def test_partial_date_rejects_impossible_or_malformed(text: str) -> None:
    with pytest.raises(ValidationError):
        PartialDate.model_validate(text)


@given(st.dates(min_value=dt.date(1, 1, 1)))
def test_full_dates_round_trip_through_iso(day: dt.date) -> None:
    value = PartialDate.model_validate(day)
    assert value.as_date() == day
    assert PartialDate.parse(value.iso()) == value


def test_bbox_rejects_inverted_corners() -> None:
    with pytest.raises(ValidationError, match="out of order"):
        BBox(x0=10, y0=10, x1=5, y1=20)
    assert BBox.from_list([1, 2, 3, 4]).union(BBox.from_list([0, 5, 2, 9])).as_list() == [
        0,
        2,
        3,
        9,
    ]


def test_birth_record_round_trips_through_json() -> None:
    record = BirthRecord(
        record_id="e1",
        provenance=PROVENANCE,
        full_name=FieldValue[str](value="Nguyễn Thị Hồng Nhung", raw_text="NGUYỄN THỊ HỒNG NHUNG"),
        date_of_birth=FieldValue[PartialDate](value=PartialDate.parse("2001-07"), confidence=0.9),
        sex=FieldValue[Sex](value=Sex.FEMALE, bbox=BBox(x0=1, y0=1, x1=2, y1=2)),
    )
    again = BirthRecord.model_validate_json(record.model_dump_json())
    assert again == record
    assert again.date_of_birth.value.precision is DatePrecision.MONTH
    assert again.sex.value is Sex.FEMALE


def test_field_value_dumps_as_the_dict_of_its_five_attributes() -> None:
    """The stored JSON (and the content hashes taken of it) keep the model-era layout."""
    record = BirthRecord(
        record_id="e1",
        provenance=PROVENANCE,
        date_of_birth=FieldValue[PartialDate](
            value=PartialDate.parse("2001-07"),
            raw_text="07/2001",
            confidence=0.9,
            page_number=2,
            bbox=BBox(x0=1, y0=2, x1=3, y1=4),
        ),
        sex=FieldValue[Sex](value=Sex.FEMALE),
    )
    dumped = record.model_dump(mode="json")
    assert list(dumped["date_of_birth"].items()) == [
        ("value", "2001-07"),
        ("raw_text", "07/2001"),
        ("confidence", 0.9),
        ("page_number", 2),
        ("bbox", {"x0": 1, "y0": 2, "x1": 3, "y1": 4}),
    ]
    assert dumped["sex"] == {
        "value": "F",
        "raw_text": None,
        "confidence": None,
        "page_number": None,
        "bbox": None,
    }
    assert record.model_dump()["sex"]["value"] is Sex.FEMALE
    assert dumped["full_name"] == dict.fromkeys(
        ("value", "raw_text", "confidence", "page_number", "bbox")
    )


@pytest.mark.parametrize(
    ("given_value", "where"),
    [
        ({"value": "A", "confidence": 1.5}, "full_name.confidence"),
        ({"value": "A", "page_number": 0}, "full_name.page_number"),
        ({"value": ["A"]}, "full_name.value"),
        (FieldValue(value=["A"]), "full_name.value"),
        ({"value": "A", "bbox": {"x0": 5, "y0": 0, "x1": 1, "y1": 1}}, "full_name.bbox"),
    ],
)
def test_field_value_is_checked_inside_a_record(given_value: object, where: str) -> None:
    with pytest.raises(ValidationError) as raised:
        BirthRecord(record_id="e1", provenance=PROVENANCE, full_name=given_value)
    assert where in str(raised.value)


def test_field_value_from_a_dict_or_an_instance_is_typed_by_its_field() -> None:
    record = BirthRecord(
        record_id="e1",
        provenance=PROVENANCE,
        registration_number={"value": "12", "confidence": 1},
        date_of_birth=FieldValue(value="2001-07-05"),
    )
    assert record.registration_number == FieldValue(12, None, 1.0, None, None)
    assert record.date_of_birth.value == PartialDate(year=2001, month=7, day=5)
    assert record.hometown == FieldValue() and record.hometown.is_missing


def test_field_value_replace_and_pickle() -> None:
    read = FieldValue[str](value="Lê Văn A", raw_text="LE VAN A", confidence=0.7, page_number=1)
    corrected = read.replace(value="Lê Văn Á", confidence=1.0)
    assert corrected == FieldValue("Lê Văn Á", "LE VAN A", 1.0, 1, None)
    assert read.value == "Lê Văn A"
    with pytest.raises(TypeError, match="valeu"):
        read.replace(valeu="x")
    assert pickle.loads(pickle.dumps(corrected)) == corrected
    assert type(pickle.loads(pickle.dumps(corrected))) is FieldValue
    assert repr(corrected).startswith("FieldValue(value='Lê Văn Á', raw_text='LE VAN A'")


def test_record_fields_lists_every_field_value() -> None:
    fields = record_fields(RegisterType.DEATH)
    assert "date_of_death" in fields and "cause_of_death" in fields
    assert "provenance" not in fields and "issues" not in fields


def test_raw_entry_rejects_confidence_out_of_range() -> None:
    with pytest.raises(ValidationError):
        RawField(text="x", confidence=1.5)
    entry = RawEntry(
        entry_id="e1",
        register_type=RegisterType.BIRTH,
        page_shape="ruled_table",
        fields={"full_name": RawField(text="Lê Văn A", confidence=0.8)},
        provenance=PROVENANCE,
    )
    assert entry.fields["full_name"].confidence == 0.8
