"""The Arrow schema of the Parquet export, derived from the pydantic models (never hand-listed).

One walker turns a model into columns, and the same column list converts a record to a row and
back, so a field added to a model is a column of the export at once. The rules:

- a ``FieldValue[X]`` field ``name`` becomes ``name`` (X's Arrow type) and ``name_<attribute>``
  for its other attributes (``name_raw_text``, ``name_confidence`` as float32, ``name_page_number``,
  ``name_bbox``), so every value keeps the scan region it was read from;
- a sub-model at the row level (the record's ``provenance``, a party's link) is flattened into
  columns, with the prefix of its :class:`Flatten` annotation (none by default);
- inside a value, a model is a struct (``Place``, ``ValidationIssue``); ``BBox`` is
  ``list<int32>`` ``[x0, y0, x1, y1]``; ``PartialDate`` is its ISO text (``YYYY``, ``YYYY-MM`` or
  ``YYYY-MM-DD``); enums and literals are their string values; an :class:`ArrowType` annotation
  overrides the type.

Each register type's row is its record model, then its link model (:class:`ExportLink` or
:class:`MarriageExportLink`), then :class:`ExportRunInfo`.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pyarrow as pa
from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import FieldInfo

from civreg.errors import DataValidationError
from schemas.enums import MatchStatus, RegisterType
from schemas.records import RECORD_MODELS, CivilRecordBase, PersonalIdText
from schemas.values import (
    FIELD_VALUE_ATTRIBUTES,
    FIELD_VALUE_READING_TYPES,
    BBox,
    PartialDate,
    field_value_type,
)

EXPORT_SCHEMA_VERSION = "1.1.0"
"""Version of the export layout: bump the major part when a column changes meaning or goes."""

METADATA_SCHEMA_VERSION = b"civreg.export_schema_version"
METADATA_RUN_ID = b"civreg.run_id"

CONFIDENCE_DECIMALS = 6
"""Confidences are float32 in the file; read back, they are rounded to this many decimals."""


@dataclass(frozen=True)
class ArrowType:
    """Annotation metadata: export this field with the given Arrow type."""

    type: pa.DataType


@dataclass(frozen=True)
class Flatten:
    """Annotation metadata: flatten this row-level sub-model with ``prefix`` on its columns."""

    prefix: str = ""


class PartyLink(BaseModel):
    """How one person of a record was linked to the population DB."""

    linked_personal_id: PersonalIdText | None = Field(
        None, description="The person it was linked to (not the ID written in the register)."
    )
    match_status: MatchStatus = MatchStatus.UNMATCHED
    match_score: float | None = Field(None, description="Match weight of the chosen candidate.")


class ExportLink(PartyLink):
    """The link of a birth or death record's subject."""


class MarriageExportLink(BaseModel):
    """The links of a marriage's two parties, and the status of the record as a whole."""

    husband: Annotated[PartyLink, Flatten("husband_")] = PartyLink()
    wife: Annotated[PartyLink, Flatten("wife_")] = PartyLink()
    match_status: MatchStatus = Field(
        MatchStatus.UNMATCHED, description="Status of the entry as a whole, as matching decided."
    )


class ExportRunInfo(BaseModel):
    """Columns the export adds to every row: the run that wrote it, the partition year, and
    which fields a steward corrected."""

    run_id: str
    registration_year: Annotated[int | None, ArrowType(pa.int32())] = Field(
        None, description="Year of the registration date: the partition key."
    )
    corrected_fields: list[str] = Field(
        default_factory=list,
        description="Fields whose value a steward set (not read from the scan region), by name.",
    )


LINK_MODELS: dict[RegisterType, type[BaseModel]] = {
    RegisterType.BIRTH: ExportLink,
    RegisterType.DEATH: ExportLink,
    RegisterType.MARRIAGE: MarriageExportLink,
}

Source = Literal["record", "link", "run"]


@dataclass(frozen=True)
class ExportColumn:
    """One column: its name and type, and where its value lives in the source model."""

    name: str
    arrow_type: pa.DataType
    python_type: Any
    source: Source
    path: tuple[str, ...]
    nullable: bool

    def field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``, else ``(annotation, False)``; ``Annotated`` is unwrapped."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) != 1:
            raise TypeError(f"a union of several types cannot be exported: {annotation!r}")
        annotation, optional = members[0], True
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation, optional


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_scalar_model(annotation: Any) -> bool:
    """Models exported as one scalar-like cell rather than as a struct or columns."""
    return annotation in (BBox, PartialDate)


def _override(info: FieldInfo | None) -> pa.DataType | None:
    if info is None:
        return None
    return next((m.type for m in info.metadata if isinstance(m, ArrowType)), None)


def arrow_type_of(annotation: Any, info: FieldInfo | None = None) -> pa.DataType:
    """The Arrow type of a (non-optional) Python annotation, by the rules of this module."""
    override = _override(info)
    if override is not None:
        return override
    if annotation is bool:
        return pa.bool_()
    if annotation is int:
        return pa.int64()
    if annotation is float:
        return pa.float64()
    if annotation is str or annotation is PartialDate:
        return pa.string()
    if annotation is BBox:
        return pa.list_(pa.int32())
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return pa.string()
    if get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation)):
        return pa.string()
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return pa.list_(arrow_type_of(_strip_optional(item)[0]))
    if _is_model(annotation):
        fields = []
        for name, sub in annotation.model_fields.items():
            inner, optional = _strip_optional(sub.annotation)
            fields.append(pa.field(name, arrow_type_of(inner, sub), nullable=optional))
        return pa.struct(fields)
    raise TypeError(f"no Arrow type for {annotation!r}: extend schemas.arrow.arrow_type_of")


def _field_value_columns(
    name: str, value_type: Any, source: Source, path: tuple[str, ...]
) -> list[ExportColumn]:
    """The columns of a ``FieldValue[value_type]`` field: its value, then its other attributes."""
    attribute_types = {"value": value_type, **FIELD_VALUE_READING_TYPES}
    columns = []
    for attribute in FIELD_VALUE_ATTRIBUTES:
        inner, _ = _strip_optional(attribute_types[attribute])
        column_name = name if attribute == "value" else f"{name}_{attribute}"
        arrow_type = pa.float32() if attribute == "confidence" else arrow_type_of(inner)
        columns.append(
            ExportColumn(column_name, arrow_type, inner, source, (*path, attribute), nullable=True)
        )
    return columns


def model_columns(
    model: type[BaseModel],
    source: Source,
    *,
    prefix: str = "",
    path: tuple[str, ...] = (),
    nullable: bool = False,
) -> list[ExportColumn]:
    """The columns a model contributes to a row (see the module docstring for the rules)."""
    columns: list[ExportColumn] = []
    for name, info in model.model_fields.items():
        inner, optional = _strip_optional(info.annotation)
        field_path = (*path, name)
        value_type = field_value_type(inner)
        if value_type is not None:
            columns += _field_value_columns(prefix + name, value_type, source, field_path)
        elif _is_model(inner) and not _is_scalar_model(inner):
            flatten = next((m for m in info.metadata if isinstance(m, Flatten)), Flatten())
            columns += model_columns(
                inner,
                source,
                prefix=prefix + flatten.prefix,
                path=field_path,
                nullable=nullable or optional,
            )
        else:
            columns.append(
                ExportColumn(
                    prefix + name,
                    arrow_type_of(inner, info),
                    inner,
                    source,
                    field_path,
                    nullable=nullable or optional,
                )
            )
    return columns


@cache
def export_columns(register_type: RegisterType) -> tuple[ExportColumn, ...]:
    """Every column of a register type's export, in order; names are checked to be unique."""
    columns = (
        model_columns(RECORD_MODELS[register_type], "record")
        + model_columns(LINK_MODELS[register_type], "link")
        + model_columns(ExportRunInfo, "run")
    )
    seen: dict[str, ExportColumn] = {}
    for column in columns:
        if column.name in seen:
            raise TypeError(
                f"export column {column.name!r} of {register_type} comes from both "
                f"{'.'.join(seen[column.name].path)} and {'.'.join(column.path)}"
            )
        seen[column.name] = column
    return tuple(columns)


def export_schema(register_type: RegisterType) -> pa.Schema:
    """The Arrow schema of a register type's Parquet dataset."""
    return pa.schema([column.field() for column in export_columns(register_type)])


def schema_metadata(run_id: str) -> dict[bytes, bytes]:
    """File metadata written with every export: layout version and the run that wrote it."""
    return {
        METADATA_SCHEMA_VERSION: EXPORT_SCHEMA_VERSION.encode(),
        METADATA_RUN_ID: run_id.encode(),
    }


def _to_cell(value: Any, python_type: Any) -> Any:
    """A model value as the Python value pyarrow expects for its column."""
    if value is None:
        return None
    if python_type is PartialDate:
        return value.iso()
    if python_type is BBox:
        return value.as_list()
    if isinstance(value, Enum):
        return value.value
    if get_origin(python_type) is list:
        (item,) = get_args(python_type)
        item_type = _strip_optional(item)[0]
        return [_to_cell(v, item_type) for v in value]
    if _is_model(python_type):
        return {
            name: _to_cell(getattr(value, name), _strip_optional(info.annotation)[0])
            for name, info in python_type.model_fields.items()
        }
    return value


def _from_cell(cell: Any, python_type: Any, arrow_type: pa.DataType) -> Any:
    """A cell read back from Arrow as input for the model (pydantic validates the rest)."""
    if cell is None:
        return None
    if python_type is BBox:
        return BBox.from_list(cell)
    if pa.types.is_float32(arrow_type):
        return round(cell, CONFIDENCE_DECIMALS)
    if get_origin(python_type) is list:
        item_type = _strip_optional(get_args(python_type)[0])[0]
        return [_from_cell(v, item_type, arrow_type.value_type) for v in cell]
    if _is_model(python_type) and not _is_scalar_model(python_type):
        return {
            name: _from_cell(
                cell.get(name),
                _strip_optional(info.annotation)[0],
                arrow_type.field(name).type,
            )
            for name, info in python_type.model_fields.items()
        }
    return cell


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for name in path[:-1]:
        tree = tree.setdefault(name, {})
    tree[path[-1]] = value


def record_to_row(
    record: CivilRecordBase,
    link: BaseModel,
    run_id: str,
    corrected_fields: Sequence[str] = (),
) -> dict[str, Any]:
    """One export row: the record's columns, its link's and the run's.

    ``corrected_fields`` names the record's fields whose value a steward set.
    """
    register_type = record.register_type
    expected_link = LINK_MODELS[register_type]
    if not isinstance(link, expected_link):
        raise DataValidationError(
            f"record {record.record_id}: a {register_type} record is exported with a "
            f"{expected_link.__name__}, not a {type(link).__name__}"
        )
    sources = {
        "record": record,
        "link": link,
        "run": ExportRunInfo(
            run_id=run_id,
            registration_year=record.registration_year,
            corrected_fields=sorted(corrected_fields),
        ),
    }
    return {
        column.name: _to_cell(_get(sources[column.source], column.path), column.python_type)
        for column in export_columns(register_type)
    }


def _register_type_of(row: dict[str, Any]) -> RegisterType:
    try:
        return RegisterType(row["kind"])
    except (KeyError, ValueError) as exc:
        raise DataValidationError(
            f"export row {row.get('record_id', '?')}: 'kind' is {row.get('kind')!r}, "
            f"expected one of {[t.value for t in RegisterType]}"
        ) from exc


def _rebuild(row: dict[str, Any], source: Source) -> tuple[RegisterType, dict[str, Any]]:
    register_type = _register_type_of(row)
    tree: dict[str, Any] = {}
    for column in export_columns(register_type):
        if column.source != source:
            continue
        if column.name not in row:
            raise DataValidationError(
                f"export row {row.get('record_id', '?')}: column {column.name!r} is missing"
            )
        cell = _from_cell(row[column.name], column.python_type, column.arrow_type)
        if cell is not None:
            _put(tree, column.path, cell)
    return register_type, tree


def row_to_record(row: dict[str, Any]) -> CivilRecordBase:
    """The record an export row was written from (the inverse of :func:`record_to_row`)."""
    register_type, tree = _rebuild(row, "record")
    try:
        return RECORD_MODELS[register_type].model_validate(tree)
    except ValidationError as exc:
        raise DataValidationError(
            f"export row {row.get('record_id', '?')} is not a valid {register_type} record: {exc}"
        ) from exc


def row_to_link(row: dict[str, Any]) -> BaseModel:
    """The link an export row was written with."""
    register_type, tree = _rebuild(row, "link")
    try:
        return LINK_MODELS[register_type].model_validate(tree)
    except ValidationError as exc:
        raise DataValidationError(
            f"export row {row.get('record_id', '?')} has an invalid link: {exc}"
        ) from exc


def rows_to_table(register_type: RegisterType, rows: list[dict[str, Any]], run_id: str) -> pa.Table:
    """Export rows as an Arrow table of the register type's schema, with the run's metadata."""
    schema = export_schema(register_type).with_metadata(schema_metadata(run_id))
    return pa.Table.from_pylist(rows, schema=schema)
