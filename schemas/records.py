"""The records civreg reads, normalizes, matches and exports.

- :class:`RawEntry`: what extraction read from one register row or form page, text only.
- :class:`BirthRecord`, :class:`DeathRecord`, :class:`MarriageRecord`: a normalized entry, each
  field a :class:`~schemas.values.FieldValue` (value + confidence + box), plus its issues.
- :class:`Person`: one row of the population DB (the extract contract of ARCHITECTURE.md).

Field names follow DOMAIN.md §1 in English snake_case.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Annotated, Any, ClassVar, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    TypeAdapter,
)
from pydantic_core import core_schema

from schemas.enums import IssueSeverity, PageShape, RegisterType, Sex
from schemas.values import (
    AttributeTuple,
    BBox,
    FieldValue,
    PartialDate,
    Provenance,
    field_value_type,
)

PersonalIdText = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]


class ValidationIssue(BaseModel):
    """One problem found in a record; a record carries all of its problems together."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="The field at fault, or '*' for the record as a whole.")
    code: str = Field(description="Stable machine-readable code, e.g. 'date.impossible'.")
    message: str = Field(description="What is wrong, in words a steward can act on.")
    severity: IssueSeverity = IssueSeverity.WARNING


RAW_FIELD_ATTRIBUTES = ("text", "confidence", "bbox", "corrections")
"""A :class:`RawField`'s attributes, in order (its tuple order and its serialized keys)."""


class RawField(AttributeTuple):
    """The text read for one field, with its confidence in [0, 1], its box, and the post-OCR
    corrections applied to it ("before -> after").

    An immutable tuple ``(text, confidence, bbox, corrections)`` with named attributes rather
    than a model, as :class:`~schemas.values.FieldValue` is: normalization reads the text and
    confidence of ~16 cells an entry, by the million, and a model's attribute goes through its
    ``__dict__`` (three objects in memory where a tuple is one). It is checked when made, as
    the model was (a confidence outside [0, 1] raises ``pydantic.ValidationError``), and in an
    entry it is validated from and dumped as the dict of the four (:data:`RAW_FIELD`).

    >>> RawField("Lê Văn An", 0.91)
    RawField(text='Lê Văn An', confidence=0.91, bbox=None, corrections=())
    """

    __slots__ = ()
    attributes = RAW_FIELD_ATTRIBUTES

    def __new__(
        cls,
        text: str,
        confidence: float = 1.0,
        bbox: BBox | None = None,
        corrections: Iterable[str] = (),
    ) -> RawField:
        # what the check would give, without it: the way every cell is made
        if (
            type(text) is str
            and type(confidence) is float
            and 0.0 <= confidence <= 1.0
            and (bbox is None or type(bbox) is BBox)
            and corrections == ()
        ):
            return tuple.__new__(cls, (text, confidence, bbox, ()))
        checked: RawField = RAW_FIELD.validate_python(
            {"text": text, "confidence": confidence, "bbox": bbox, "corrections": corrections}
        )
        return checked

    # C-level getters: normalization reads these by the million.
    text: str = property(itemgetter(0), doc="The text as read.")  # type: ignore[assignment]
    confidence: float = property(itemgetter(1), doc="Reading confidence in [0, 1].")  # type: ignore[assignment]
    bbox: BBox | None = property(itemgetter(2), doc="Box of the cell read.")  # type: ignore[assignment]
    corrections: tuple[str, ...] = property(  # type: ignore[assignment]
        itemgetter(3), doc="Post-OCR corrections applied, 'before -> after'."
    )

    def as_dict(self) -> dict[str, Any]:
        """The four attributes by name, in order (corrections as a list, as stored)."""
        text, confidence, bbox, corrections = self
        return {
            "text": text,
            "confidence": confidence,
            "bbox": bbox,
            "corrections": list(corrections),
        }

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate from a dict of checked attributes; dump as that dict. A ``RawField`` was
        checked when made and is taken as it is."""
        checked = core_schema.typed_dict_schema(
            {
                "text": core_schema.typed_dict_field(core_schema.str_schema()),
                "confidence": core_schema.typed_dict_field(
                    core_schema.float_schema(ge=0.0, le=1.0), required=False
                ),
                "bbox": core_schema.typed_dict_field(
                    handler.generate_schema(Optional[BBox]),  # noqa: UP045
                    required=False,
                ),
                "corrections": core_schema.typed_dict_field(
                    core_schema.list_schema(core_schema.str_schema()), required=False
                ),
            }
        )
        return core_schema.no_info_wrap_validator_function(
            _raw_field_input,
            core_schema.no_info_after_validator_function(_raw_field_from_dict, checked),
            serialization=core_schema.plain_serializer_function_ser_schema(
                RawField.as_dict, return_schema=checked
            ),
        )


def _raw_field_input(data: Any, check: core_schema.ValidatorFunctionWrapHandler) -> Any:
    return data if type(data) is RawField else check(data)


def _raw_field_from_dict(data: dict[str, Any]) -> RawField:
    get = data.get
    confidence = get("confidence", 1.0)
    return tuple.__new__(  # type: ignore[no-any-return]
        RawField, (data["text"], confidence, get("bbox"), tuple(get("corrections", ())))
    )


RAW_FIELD: TypeAdapter[RawField] = TypeAdapter(RawField, config=ConfigDict(title="RawField"))
"""Validates a :class:`RawField` from its dict (``validate_python``, ``validate_json``) and
dumps one (``dump_python(raw, mode="json")``), as a model's methods would."""


class RawEntry(BaseModel):
    """One register row or form page as read, before normalization."""

    entry_id: str = Field(description="Stable id: hash of source sha256, page and row.")
    register_type: RegisterType
    page_shape: PageShape
    fields: dict[str, RawField] = Field(
        default_factory=dict, description="Known fields by their snake_case name."
    )
    extra: dict[str, RawField] = Field(
        default_factory=dict, description="Columns whose header matched no known field."
    )
    book_ward: str | None = Field(None, description="Ward named on the page's title lines.")
    book_year: int | None = Field(None, description="Year named on the page's title lines.")
    provenance: Provenance


class Place(BaseModel):
    """An address as written, with its parts and its conversion to the post-2025 units."""

    model_config = ConfigDict(frozen=True)

    written: str
    ward: str | None = None
    district: str | None = None
    province: str | None = None
    new_ward: str | None = None
    new_province: str | None = None
    new_ward_code: str | None = Field(None, description="5-digit commune code (2025).")
    uncertain: bool = Field(False, description="The old ward was split: conversion is a guess.")


class CivilRecordBase(BaseModel):
    """Fields every register entry has. Frozen: a changed record is a new one (``model_copy``)."""

    model_config = ConfigDict(frozen=True)

    register_type: ClassVar[RegisterType]

    record_id: str = Field(description="Stable id of the entry (same as its RawEntry.entry_id).")
    ward: str | None = Field(None, description="Registering ward (new unit name).")
    ward_code: str | None = Field(None, description="Registering ward's 5-digit code (2025).")
    registration_number: FieldValue[int] = FieldValue()
    registration_date: FieldValue[PartialDate] = FieldValue()
    declarant: FieldValue[str] = FieldValue()
    notes: FieldValue[str] = FieldValue()
    provenance: Provenance
    issues: list[ValidationIssue] = Field(default_factory=list)

    @property
    def registration_year(self) -> int | None:
        """Year of registration, the export's partition key."""
        value = self.registration_date.value
        return value.year if value else None

    @property
    def blocking_issues(self) -> list[ValidationIssue]:
        """Issues that forbid automatic linking."""
        return [i for i in self.issues if i.severity is IssueSeverity.ERROR]


class BirthRecord(CivilRecordBase):
    """An entry of the birth register (Luật Hộ tịch 2014, Art. 14)."""

    register_type: ClassVar[RegisterType] = RegisterType.BIRTH
    kind: Literal["birth"] = "birth"

    full_name: FieldValue[str] = FieldValue()
    date_of_birth: FieldValue[PartialDate] = FieldValue()
    sex: FieldValue[Sex] = FieldValue()
    ethnicity: FieldValue[str] = FieldValue()
    nationality: FieldValue[str] = FieldValue()
    place_of_birth: FieldValue[Place] = FieldValue()
    hometown: FieldValue[Place] = FieldValue()
    personal_id: FieldValue[str] = FieldValue()
    mother_name: FieldValue[str] = FieldValue()
    mother_birth_year: FieldValue[int] = FieldValue()
    father_name: FieldValue[str] = FieldValue()
    father_birth_year: FieldValue[int] = FieldValue()
    parents_residence: FieldValue[Place] = FieldValue()


class DeathRecord(CivilRecordBase):
    """An entry of the death register (Circular 04/2020/TT-BTP Art. 34)."""

    register_type: ClassVar[RegisterType] = RegisterType.DEATH
    kind: Literal["death"] = "death"

    full_name: FieldValue[str] = FieldValue()
    date_of_birth: FieldValue[PartialDate] = FieldValue()
    sex: FieldValue[Sex] = FieldValue()
    ethnicity: FieldValue[str] = FieldValue()
    nationality: FieldValue[str] = FieldValue()
    personal_id: FieldValue[str] = FieldValue()
    last_residence: FieldValue[Place] = FieldValue()
    date_of_death: FieldValue[PartialDate] = FieldValue()
    time_of_death: FieldValue[str] = FieldValue()  # "HH:MM", blank when unknown
    place_of_death: FieldValue[Place] = FieldValue()
    cause_of_death: FieldValue[str] = FieldValue()


class MarriageRecord(CivilRecordBase):
    """An entry of the marriage register: husband (chồng) and wife (vợ)."""

    register_type: ClassVar[RegisterType] = RegisterType.MARRIAGE
    kind: Literal["marriage"] = "marriage"

    husband_full_name: FieldValue[str] = FieldValue()
    husband_date_of_birth: FieldValue[PartialDate] = FieldValue()
    husband_ethnicity: FieldValue[str] = FieldValue()
    husband_nationality: FieldValue[str] = FieldValue()
    husband_residence: FieldValue[Place] = FieldValue()
    husband_personal_id: FieldValue[str] = FieldValue()
    wife_full_name: FieldValue[str] = FieldValue()
    wife_date_of_birth: FieldValue[PartialDate] = FieldValue()
    wife_ethnicity: FieldValue[str] = FieldValue()
    wife_nationality: FieldValue[str] = FieldValue()
    wife_residence: FieldValue[Place] = FieldValue()
    wife_personal_id: FieldValue[str] = FieldValue()


CivilRecord = Annotated[BirthRecord | DeathRecord | MarriageRecord, Field(discriminator="kind")]

RECORD_MODELS: dict[RegisterType, type[CivilRecordBase]] = {
    RegisterType.BIRTH: BirthRecord,
    RegisterType.DEATH: DeathRecord,
    RegisterType.MARRIAGE: MarriageRecord,
}


def record_fields(register_type: RegisterType) -> list[str]:
    """Names of the ``FieldValue`` fields of a register type's record, in model order."""
    model = RECORD_MODELS[register_type]
    return [
        name
        for name, info in model.model_fields.items()
        if field_value_type(info.annotation) is not None
    ]


class Person(BaseModel):
    """A person of the population DB, as in the population extract (ARCHITECTURE.md)."""

    personal_id: PersonalIdText
    full_name: str
    date_of_birth: PartialDate | None = None
    sex: Sex | None = None
    place_of_birth: str | None = None
    hometown: str | None = None
    ethnicity: str | None = None
    nationality: str | None = None
    permanent_residence: str | None = None
    father_name: str | None = None
    father_id: str | None = None
    mother_name: str | None = None
    mother_id: str | None = None
    spouse_name: str | None = None
    spouse_id: str | None = None
    date_of_death: PartialDate | None = None
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Columns of the extract outside the contract."
    )

    EXTRACT_COLUMNS: ClassVar[tuple[str, ...]] = (
        "personal_id",
        "full_name",
        "date_of_birth",
        "sex",
        "place_of_birth",
        "hometown",
        "ethnicity",
        "nationality",
        "permanent_residence",
        "father_name",
        "father_id",
        "mother_name",
        "mother_id",
        "spouse_name",
        "spouse_id",
        "date_of_death",
    )
