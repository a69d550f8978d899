"""RawField: an immutable tuple checked as the model it replaced was, stored in the same JSON."""

from __future__ import annotations

import math
import pickle

import pytest
from pydantic import ValidationError

from schemas.enums import RegisterType
from schemas.records import RAW_FIELD, RawEntry, RawField
from schemas.values import BBox, Provenance

PROVENANCE = Provenance(
    batch_id="b", source_path="p.png", source_sha256="0" * 64, page_number=2, row_index=3
)
BOX = BBox(x0=10, y0=20, x1=300, y1=60)

GOLDEN_ENTRY_JSON = (
    '{"entry_id":"e1","register_type":"birth","page_shape":"ruled_table","fields":{"full_name":'
    '{"text":"LÊ VĂN A","confidence":0.75,"bbox":{"x0":10,"y0":20,"x1":300,"y1":60},'
    '"corrections":["LÈ -> LÊ"]},"sex":{"text":"Nam","confidence":1.0,"bbox":null,'
    '"corrections":[]}},"extra":{"ghi chú":{"text":"x","confidence":0.5,"bbox":null,'
    '"corrections":[]}},"book_ward":null,"book_year":null,"provenance":{"batch_id":"b",'
    '"source_path":"p.png","source_sha256":"' + "0" * 64 + '","page_number":2,"row_index":3,'
    '"bbox":null}}'
)
"""What the entry below dumped to when a raw field was a pydantic model: stored entries and
their hashes must not change."""


def _entry() -> RawEntry:
    return RawEntry(
        entry_id="e1",
        register_type=RegisterType.BIRTH,
        page_shape="ruled_table",
        fields={
            "full_name": RawField(
                text="LÊ VĂN A", confidence=0.75, bbox=BOX, corrections=["LÈ -> LÊ"]
            ),
            "sex": RawField(text="Nam"),
        },
        extra={"ghi chú": RawField(text="x", confidence=0.5)},
        provenance=PROVENANCE,
    )


def test_an_entry_dumps_as_it_did_and_reads_back() -> None:
    entry = _entry()
    assert entry.model_dump_json() == GOLDEN_ENTRY_JSON
    again = RawEntry.model_validate_json(GOLDEN_ENTRY_JSON)
    assert again == entry
    assert all(type(raw) is RawField for raw in again.fields.values())
    assert again.fields["full_name"].corrections == ("LÈ -> LÊ",)
    assert again.fields["full_name"].bbox == BOX
    assert again.model_dump()["fields"]["full_name"] == {
        "text": "LÊ VĂN A",
        "confidence": 0.75,
        "bbox": {"x0": 10, "y0": 20, "x1": 300, "y1": 60},
        "corrections": ["LÈ -> LÊ"],
    }


def test_a_raw_field_dumps_and_validates_alone_as_in_an_entry() -> None:
    raw = _entry().fields["full_name"]
    dumped = RAW_FIELD.dump_python(raw, mode="json")
    assert dumped == {
        "text": "LÊ VĂN A",
        "confidence": 0.75,
        "bbox": {"x0": 10, "y0": 20, "x1": 300, "y1": 60},
        "corrections": ["LÈ -> LÊ"],
    }
    assert RAW_FIELD.validate_python(dumped) == raw
    assert RAW_FIELD.validate_python({"text": "Nữ"}) == RawField("Nữ", 1.0, None, ())


@pytest.mark.parametrize(
    ("made", "checked"),
    [
        (RawField("a"), {"text": "a"}),
        (RawField("a", 0.5), {"text": "a", "confidence": 0.5}),
        (RawField("a", 1), {"text": "a", "confidence": 1}),
        (RawField("a", 0.0, BOX), {"text": "a", "confidence": 0.0, "bbox": BOX}),
        (RawField("a", bbox={"x0": 10, "y0": 20, "x1": 300, "y1": 60}), {"text": "a", "bbox": BOX}),
        (RawField("a", corrections=["b -> a"]), {"text": "a", "corrections": ("b -> a",)}),
        (RawField("a", corrections=[]), {"text": "a", "corrections": []}),
    ],
)
def test_making_a_raw_field_gives_what_the_check_gives(made: RawField, checked: dict) -> None:
    expected = RAW_FIELD.validate_python(checked)
    assert made == expected
    assert [type(item) for item in made] == [type(item) for item in expected]
    assert type(made.confidence) is float and type(made.corrections) is tuple


@pytest.mark.parametrize(
    ("arguments", "at"),
    [
        ({"text": "x", "confidence": 1.5}, "confidence"),
        ({"text": "x", "confidence": -0.01}, "confidence"),
        ({"text": "x", "confidence": math.nan}, "confidence"),
        ({"text": None}, "text"),
        ({"text": 12}, "text"),
        ({"text": "x", "bbox": {"x0": 5, "y0": 0, "x1": 1, "y1": 1}}, "bbox"),
        ({"text": "x", "bbox": "box"}, "bbox"),
        ({"text": "x", "corrections": [3]}, "corrections"),
    ],
)
def test_a_bad_raw_field_is_refused_naming_the_attribute(arguments: dict, at: str) -> None:
    with pytest.raises(ValidationError) as made:
        RawField(**arguments)
    assert made.value.title == "RawField"
    assert made.value.errors()[0]["loc"][0] == at
    with pytest.raises(ValidationError) as in_entry:
        RawEntry.model_validate({**_entry().model_dump(), "fields": {"full_name": arguments}})
    assert in_entry.value.errors()[0]["loc"][:3] == ("fields", "full_name", at)


def test_a_raw_field_is_an_immutable_tuple_kept_as_it_is_by_an_entry() -> None:
    raw = RawField("Lê Văn A", 0.8, BOX, ("Le -> Lê",))
    assert tuple(raw) == ("Lê Văn A", 0.8, BOX, ("Le -> Lê",))
    assert (raw.text, raw.confidence, raw.bbox, raw.corrections) == tuple(raw)
    with pytest.raises(AttributeError):
        raw.text = "x"  # type: ignore[misc]
    assert not hasattr(raw, "__dict__")
    assert hash(raw) == hash(RawField("Lê Văn A", 0.8, BOX, ["Le -> Lê"]))
    copied = pickle.loads(pickle.dumps(raw))
    assert copied == raw and type(copied) is RawField
    assert repr(raw) == (
        "RawField(text='Lê Văn A', confidence=0.8, "
        "bbox=BBox(x0=10, y0=20, x1=300, y1=60), corrections=('Le -> Lê',))"
    )
    entry = RawEntry(
        entry_id="e1",
        register_type=RegisterType.BIRTH,
        page_shape="ruled_table",
        fields={"full_name": raw},
        provenance=PROVENANCE,
    )
    assert entry.fields["full_name"] is raw  # checked when made: not checked again
