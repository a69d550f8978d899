"""The records civreg reads, normalizes, matches and exports.

- :class:`RawEntry`: what extraction read from one register row or form page, text only.
- :class:`BirthRecord`, :class:`DeathRecord`, :class:`MarriageRecord`: a normalized entry, each
  field a :class:`~schemas.values.FieldValue` (value + confidence + box), plus its issues.
- :class:`Person`: one row of the population DB (the extract contract of ARCHITECTURE.md).

Field names follow DOMAIN.md §1 in English snake_case.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.enums import IssueSeverity, PageShape, RegisterType, Sex
from schemas.values import BBox, FieldValue, PartialDate, Provenance, field_value_type

PersonalIdText = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]


class ValidationIssue(BaseModel):
    """One problem found in a record; a record carries all of its problems together."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="The field at fault, or '*' for the record as a whole.")
    code: str = Field(description="Stable machine-readable code, e.g. 'date.impossible'.")
    message: str = Field(description="What is wrong, in words a steward can act on.")
    severity: IssueSeverity = IssueSeverity.WARNING


class RawField(BaseModel):
    """The text read for one field, with its confidence in [0, 1] and its box."""

    model_config = ConfigDict(frozen=True)

    text: str
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    bbox: BBox | None = None
    corrections: list[str] = Field(
        default_factory=list, description="Post-OCR corrections applied, 'before -> after'."
    )


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
