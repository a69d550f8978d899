"""Stewards' field corrections, read like the register's own text and applied to a record.

A correction is the text a steward typed for one record field (ISO for dates, or as written:
"05/03/1998", "Nam", a name in any case). It is read by the same reader as that field's cell in
:mod:`normalize.records`, so a corrected date keeps its precision and a corrected name is
normalized like a read one. Applied, the field takes the corrected value with confidence 1.0
(keeping the box it was read from, so the scan region can still be found), and its issues are
replaced by those of the correction's reading. A text no reader makes a value of is *rejected*:
the value read from the scan stays. An empty correction clears the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from normalize.records import field_reader
from schemas.enums import RegisterType
from schemas.records import RECORD_MODELS, CivilRecordBase, ValidationIssue, record_fields
from schemas.values import FieldValue

CORRECTED_CONFIDENCE = 1.0
"""Confidence of a value a steward set: it was checked by a person, not read."""


@dataclass(frozen=True)
class CorrectionReading:
    """The typed value one correction's text gives, and the issues reading it found."""

    value: Any
    issues: tuple[ValidationIssue, ...] = ()


@dataclass(frozen=True)
class ReadCorrections:
    """A record's corrections read: values by field, and fields whose text gave no value."""

    readings: dict[str, CorrectionReading] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields a steward set, in name order."""
        return tuple(sorted(self.readings))


def read_corrections(
    register_type: RegisterType,
    corrections: Mapping[str, str | None],
    reference_year: int | None = None,
) -> ReadCorrections:
    """Read the latest correction of each field (``corrections``: text by record field name).

    ``reference_year`` (the registration year) resolves two-digit years as in the register. A
    field the register type does not have, or a text that gives no value, is rejected.
    """
    known = set(record_fields(register_type))
    readings: dict[str, CorrectionReading] = {}
    rejected = []
    for name, text in sorted(corrections.items()):
        reader = field_reader(name)
        if name not in known or reader is None:
            rejected.append(name)
        elif text is None or not text.strip():
            readings[name] = CorrectionReading(None)
        else:
            reading = reader(name, text.strip(), reference_year)
            if reading.value is None:
                rejected.append(name)
            else:
                readings[name] = CorrectionReading(reading.value, reading.issues)
    return ReadCorrections(readings, tuple(rejected))


def apply_corrections(record: CivilRecordBase, corrections: ReadCorrections) -> CivilRecordBase:
    """The record as the stewards corrected it (the same record when nothing applies)."""
    if not corrections.readings:
        return record
    update: dict[str, Any] = {}
    for name, reading in corrections.readings.items():
        read: FieldValue = getattr(record, name)
        update[name] = read.replace(value=reading.value, confidence=CORRECTED_CONFIDENCE)
    issues = [i for i in record.issues if i.field not in corrections.readings]
    issues += [i for r in corrections.readings.values() for i in r.issues]
    # Validated again: a value of the wrong type must fail here, not in the Parquet writer.
    model = RECORD_MODELS[record.register_type]
    return model.model_validate({**dict(record), **update, "issues": issues})
