"""The export schema is derived from the models and round-trips every field through Parquet."""

from __future__ import annotations

import types
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import BaseModel

from civreg.errors import DataValidationError
from schemas.arrow import (
    EXPORT_SCHEMA_VERSION,
    LINK_MODELS,
    METADATA_RUN_ID,
    METADATA_SCHEMA_VERSION,
    ExportLink,
    ExportRunInfo,
    MarriageExportLink,
    PartyLink,
    export_columns,
    export_schema,
    model_columns,
    record_to_row,
    row_to_link,
    row_to_record,
    rows_to_table,
)
from schemas.enums import MatchStatus, RegisterType
from schemas.records import RECORD_MODELS, BirthRecord, CivilRecordBase
from schemas.values import (
    FIELD_VALUE_ATTRIBUTES,
    BBox,
    FieldValue,
    PartialDate,
    field_value_type,
)

RUN_ID = "run-2026-11-27-001"
SPECIAL_TEXT = {
    "source_sha256": "ab" * 32,
    "personal_id": "001190123456",
    "husband_personal_id": "001089000123",
    "wife_personal_id": "001192000456",
    "linked_personal_id": "001190123457",
    "time_of_death": "14:30",
}


def _unwrap(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _populated(annotation: Any, name: str, seed: int) -> Any:
    """A non-default value for any field type the models use; unknown types fail loudly."""
    kind = _unwrap(annotation)
    inner = field_value_type(kind)
    if inner is not None:
        return FieldValue(
            value=_populated(inner, name, seed),
            raw_text=f"chữ đọc được {name}",
            confidence=round(0.5 + (seed % 50) / 101, 4),
            page_number=1 + seed % 3,
            bbox=BBox(x0=seed, y0=seed + 1, x1=seed + 40, y1=seed + 12),
        )
    if kind is str:
        return SPECIAL_TEXT.get(name, f"Nguyễn Thị Hồng Nhung {name} {seed}")
    if kind is bool:
        return True
    if kind is int:
        return 1900 + seed
    if kind is float:
        return 0.25 + seed / 1000
    if kind is PartialDate:
        return [PartialDate(year=1990, month=3, day=5), PartialDate(year=1987, month=11)][seed % 2]
    if kind is BBox:
        return BBox(x0=seed, y0=2 * seed, x1=seed + 300, y1=2 * seed + 40)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return list(kind)[-1]
    if get_origin(kind) is Literal:
        return get_args(kind)[0]
    if get_origin(kind) is list:
        (item,) = get_args(kind)
        return [_populated(item, name, seed), _populated(item, name, seed + 1)]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return kind(
            **{
                field: _populated(info.annotation, field if field in SPECIAL_TEXT else name, i)
                for i, (field, info) in enumerate(kind.model_fields.items(), start=seed)
            }
        )
    raise AssertionError(f"the test cannot populate {name}: {annotation!r}")


def _full_record(register_type: RegisterType) -> CivilRecordBase:
    model = RECORD_MODELS[register_type]
    values = {
        name: _populated(info.annotation, name, seed)
        for seed, (name, info) in enumerate(model.model_fields.items())
        if name != "kind"
    }
    return model(**values)


def _full_link(register_type: RegisterType) -> BaseModel:
    party = PartyLink(
        linked_personal_id="001190123457", match_status=MatchStatus.AUTO_LINKED, match_score=12.5
    )
    if register_type is RegisterType.MARRIAGE:
        wife = PartyLink(
            linked_personal_id="001192000456",
            match_status=MatchStatus.STEWARD_LINKED,
            match_score=7.25,
        )
        return MarriageExportLink(husband=party, wife=wife, match_status=MatchStatus.AUTO_LINKED)
    return ExportLink(**party.model_dump())


def _model_leaf_paths(model: type[BaseModel], path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every value a model holds, as the path the export must read it from."""
    paths = set()
    for name, info in model.model_fields.items():
        kind = _unwrap(info.annotation)
        if field_value_type(kind) is not None:
            paths |= {(*path, name, attribute) for attribute in FIELD_VALUE_ATTRIBUTES}
        elif (
            isinstance(kind, type)
            and issubclass(kind, BaseModel)
            and kind not in (BBox, PartialDate)
        ):
            paths |= _model_leaf_paths(kind, (*path, name))
        else:
            paths.add((*path, name))
    return paths


@pytest.mark.parametrize("register_type", list(RegisterType))
def test_every_model_field_has_exactly_one_column(register_type: RegisterType) -> None:
    columns = export_columns(register_type)
    sources = {
        "record": RECORD_MODELS[register_type],
        "link": LINK_MODELS[register_type],
        "run": ExportRunInfo,
    }
    for source, model in sources.items():
        column_paths = [c.path for c in columns if c.source == source]
        assert len(column_paths) == len(set(column_paths))
        assert set(column_paths) == _model_leaf_paths(model), source
    assert export_schema(register_type).names == [c.name for c in columns]


@pytest.mark.parametrize("register_type", list(RegisterType))
def test_full_record_round_trips_through_parquet(register_type: RegisterType, tmp_path) -> None:
    record = _full_record(register_type)
    link = _full_link(register_type)
    row = record_to_row(record, link, RUN_ID)

    empty = sorted(name for name, cell in row.items() if cell is None)
    assert empty == [], "columns no model field fed"

    path = tmp_path / f"{register_type}.parquet"
    pq.write_table(rows_to_table(register_type, [row], RUN_ID), path)
    table = pq.read_table(path)

    assert table.schema.metadata[METADATA_SCHEMA_VERSION] == EXPORT_SCHEMA_VERSION.encode()
    assert table.schema.metadata[METADATA_RUN_ID] == RUN_ID.encode()
    assert table.schema.remove_metadata().equals(export_schema(register_type))
    (read_row,) = table.to_pylist()
    assert read_row["run_id"] == RUN_ID
    assert read_row["registration_year"] == record.registration_year
    assert row_to_record(read_row) == record
    assert row_to_link(read_row) == link


def test_column_names_and_types_of_the_contract() -> None:
    birth = export_schema(RegisterType.BIRTH)
    assert birth.field("full_name").type == pa.string()
    assert birth.field("full_name_confidence").type == pa.float32()
    assert birth.field("full_name_bbox").type == pa.list_(pa.int32())
    assert birth.field("date_of_birth").type == pa.string()
    assert birth.field("sex").type == pa.string()
    assert birth.field("registration_number").type == pa.int64()
    assert pa.types.is_struct(birth.field("place_of_birth").type)
    assert birth.field("place_of_birth").type.field("new_ward_code").type == pa.string()
    assert birth.field("issues").type.value_type.field("severity").type == pa.string()
    assert birth.field("personal_id").type == pa.string()  # as written in the register
    assert birth.field("linked_personal_id").type == pa.string()
    assert birth.field("match_score").type == pa.float64()
    assert birth.field("registration_year").type == pa.int32()
    assert birth.field("bbox").type == pa.list_(pa.int32())
    for provenance in ("source_path", "source_sha256", "page_number", "row_index", "batch_id"):
        assert not birth.field(provenance).nullable
    assert {"run_id", "ward_code"} <= set(birth.names)

    marriage = export_schema(RegisterType.MARRIAGE)
    for party in ("husband", "wife"):
        for name in ("linked_personal_id", "match_status", "match_score"):
            assert f"{party}_{name}" in marriage.names
    assert "match_status" in marriage.names
    assert "linked_personal_id" not in marriage.names


def test_a_field_added_to_a_model_becomes_columns() -> None:
    class LongerBirthRecord(BirthRecord):
        baptism_name: FieldValue[str] = FieldValue()

    names = [c.name for c in model_columns(LongerBirthRecord, "record")]
    assert {"baptism_name", "baptism_name_confidence", "baptism_name_bbox"} <= set(names)


def test_a_field_of_unknown_type_is_refused_not_skipped() -> None:
    class WithMapping(BaseModel):
        tags: dict[str, str]

    with pytest.raises(TypeError, match="no Arrow type"):
        model_columns(WithMapping, "record")


def test_partial_record_leaves_missing_values_null() -> None:
    record = _full_record(RegisterType.DEATH).model_copy(
        update={"cause_of_death": FieldValue(), "issues": []}
    )
    row = record_to_row(record, ExportLink(), RUN_ID)
    assert row["cause_of_death"] is None
    assert row["cause_of_death_confidence"] is None
    assert row["match_status"] == "unmatched"
    assert row_to_record(row) == record


def test_link_must_fit_the_register_type() -> None:
    record = _full_record(RegisterType.MARRIAGE)
    with pytest.raises(DataValidationError, match="MarriageExportLink"):
        record_to_row(record, ExportLink(), RUN_ID)


def test_row_of_unknown_kind_is_refused() -> None:
    with pytest.raises(DataValidationError, match="'kind'"):
        row_to_record({"record_id": "x", "kind": "adoption"})
