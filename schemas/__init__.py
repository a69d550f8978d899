"""civreg's data contracts: records, enums, store tables and export schemas.

The pydantic models in :mod:`schemas.records` are the single source of truth; the Arrow schemas of
the Parquet export (:mod:`schemas.arrow`) are derived from them.
"""

from schemas.enums import (
    DatePrecision,
    IssueSeverity,
    MatchStatus,
    PageShape,
    RegisterType,
    Sex,
)
from schemas.records import (
    BirthRecord,
    CivilRecord,
    DeathRecord,
    MarriageRecord,
    Person,
    RawEntry,
    RawField,
    ValidationIssue,
)
from schemas.values import BBox, FieldValue, PartialDate, Provenance

__all__ = [
    "BBox",
    "BirthRecord",
    "CivilRecord",
    "DatePrecision",
    "DeathRecord",
    "FieldValue",
    "IssueSeverity",
    "MarriageRecord",
    "MatchStatus",
    "PageShape",
    "PartialDate",
    "Person",
    "Provenance",
    "RawEntry",
    "RawField",
    "RegisterType",
    "Sex",
    "ValidationIssue",
]
