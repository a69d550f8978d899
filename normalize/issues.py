"""Issue codes, their default severities, and the collector that gathers every issue of a record.

Normalizers of single values know *what* is wrong but not *which field* they were called for:
they return :class:`Finding` values. :class:`IssueCollector` attaches the field and keeps them
all (never stopping at the first), like Splink's error logger.

Severity decides what happens to a record: ``error`` blocks auto-linking (impossible dates, ID
contradictions, missing required fields), ``warning`` asks a steward for care, ``info`` notes a
repair or a fact worth knowing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from normalize.construct import build_frozen
from schemas.enums import IssueSeverity
from schemas.records import ValidationIssue


class IssueCode(StrEnum):
    """Stable machine-readable issue codes (stored, exported, shown to stewards)."""

    FIELD_MISSING = "field.missing"
    FIELD_UNEXPECTED = "field.unexpected"
    LOW_CONFIDENCE = "ocr.low_confidence"

    NAME_INVALID_SYLLABLE = "name.invalid_syllable"
    NAME_UNEXPECTED_CHARACTERS = "name.unexpected_characters"
    NAME_MISSING_DIACRITICS = "name.missing_diacritics"
    NAME_UNUSUAL_DIACRITICS = "name.unusual_diacritics"
    NAME_NO_MIDDLE_NAME = "name.no_middle_name"
    NAME_UNREADABLE = "name.unreadable"

    DATE_UNREADABLE = "date.unreadable"
    DATE_IMPOSSIBLE = "date.impossible"
    DATE_TWO_DIGIT_YEAR = "date.two_digit_year"
    DATE_PARTIAL = "date.partial"
    DATE_DAY_MONTH_SWAPPED = "date.day_month_swapped"
    DATE_AMBIGUOUS_DAY_MONTH = "date.ambiguous_day_month"
    DATE_IN_FUTURE = "date.in_future"
    DATE_IMPLAUSIBLE_YEAR = "date.implausible_year"
    DATE_WORDS_DIGITS_DISAGREE = "date.words_digits_disagree"
    DATE_REGISTRATION_BEFORE_EVENT = "date.registration_before_event"
    DATE_DEATH_BEFORE_BIRTH = "date.death_before_birth"
    DATE_LATE_REGISTRATION = "date.late_registration"
    DATE_OUTSIDE_BOOK_YEAR = "date.registration_outside_book_year"
    DATE_IMPLAUSIBLE_AGE = "date.implausible_age"

    TIME_UNREADABLE = "time.unreadable"
    TIME_IMPOSSIBLE = "time.impossible"

    SEX_UNKNOWN = "sex.unknown"
    ETHNICITY_UNKNOWN = "ethnicity.unknown"
    NATIONALITY_UNKNOWN = "nationality.unknown"

    PLACE_UNPARSED = "place.unparsed"
    PLACE_WARD_NOT_FOUND = "place.ward_not_found"
    PLACE_WARD_SPLIT = "place.ward_split"
    PLACE_CONVERTED = "place.converted"

    ID_NOT_DIGITS = "personal_id.not_digits"
    ID_LENGTH = "personal_id.length"
    ID_OTHER_PAPER = "personal_id.other_paper"  # old 9-digit CMND, passport
    ID_MISSING = "personal_id.missing"
    ID_PROVINCE_UNKNOWN = "personal_id.province_unknown"
    ID_SEX_MISMATCH = "personal_id.sex_mismatch"
    ID_CENTURY_MISMATCH = "personal_id.century_mismatch"
    ID_YEAR_MISMATCH = "personal_id.year_mismatch"
    ID_PROVINCE_MISMATCH = "personal_id.province_mismatch"

    PARENT_BORN_AFTER_CHILD = "parents.born_after_child"
    PARENT_IMPLAUSIBLE_AGE = "parents.implausible_age"
    MARRIAGE_UNDER_LEGAL_AGE = "marriage.under_legal_age"
    REGISTRATION_NUMBER_INVALID = "registration_number.invalid"


_E, _W, _I = IssueSeverity.ERROR, IssueSeverity.WARNING, IssueSeverity.INFO

DEFAULT_SEVERITY: dict[IssueCode, IssueSeverity] = {
    IssueCode.FIELD_MISSING: _E,
    IssueCode.FIELD_UNEXPECTED: _I,
    IssueCode.LOW_CONFIDENCE: _W,
    IssueCode.NAME_INVALID_SYLLABLE: _W,
    IssueCode.NAME_UNEXPECTED_CHARACTERS: _W,
    IssueCode.NAME_MISSING_DIACRITICS: _W,
    IssueCode.NAME_UNUSUAL_DIACRITICS: _W,
    IssueCode.NAME_NO_MIDDLE_NAME: _I,
    IssueCode.NAME_UNREADABLE: _W,
    IssueCode.DATE_UNREADABLE: _W,
    IssueCode.DATE_IMPOSSIBLE: _E,
    IssueCode.DATE_TWO_DIGIT_YEAR: _I,
    IssueCode.DATE_PARTIAL: _I,
    IssueCode.DATE_DAY_MONTH_SWAPPED: _W,
    IssueCode.DATE_AMBIGUOUS_DAY_MONTH: _W,
    IssueCode.DATE_IN_FUTURE: _E,
    IssueCode.DATE_IMPLAUSIBLE_YEAR: _E,
    IssueCode.DATE_WORDS_DIGITS_DISAGREE: _W,
    IssueCode.DATE_REGISTRATION_BEFORE_EVENT: _E,
    IssueCode.DATE_DEATH_BEFORE_BIRTH: _E,
    IssueCode.DATE_LATE_REGISTRATION: _I,
    IssueCode.DATE_OUTSIDE_BOOK_YEAR: _W,
    IssueCode.DATE_IMPLAUSIBLE_AGE: _W,
    IssueCode.TIME_UNREADABLE: _W,
    IssueCode.TIME_IMPOSSIBLE: _W,
    IssueCode.SEX_UNKNOWN: _W,
    IssueCode.ETHNICITY_UNKNOWN: _W,
    IssueCode.NATIONALITY_UNKNOWN: _W,
    IssueCode.PLACE_UNPARSED: _W,
    IssueCode.PLACE_WARD_NOT_FOUND: _W,
    IssueCode.PLACE_WARD_SPLIT: _W,
    IssueCode.PLACE_CONVERTED: _I,
    IssueCode.ID_NOT_DIGITS: _W,
    IssueCode.ID_LENGTH: _W,
    IssueCode.ID_OTHER_PAPER: _I,
    IssueCode.ID_MISSING: _I,
    IssueCode.ID_PROVINCE_UNKNOWN: _E,
    IssueCode.ID_SEX_MISMATCH: _E,
    IssueCode.ID_CENTURY_MISMATCH: _E,
    IssueCode.ID_YEAR_MISMATCH: _E,
    IssueCode.ID_PROVINCE_MISMATCH: _E,
    IssueCode.PARENT_BORN_AFTER_CHILD: _E,
    IssueCode.PARENT_IMPLAUSIBLE_AGE: _W,
    IssueCode.MARRIAGE_UNDER_LEGAL_AGE: _W,
    IssueCode.REGISTRATION_NUMBER_INVALID: _W,
}


_ISSUE_KEYS = {"field", "code", "message", "severity"}


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem with one value, before it is known which field the value belongs to."""

    code: IssueCode
    message: str
    severity: IssueSeverity

    def __hash__(self) -> int:
        # The message names the code's concern and the value: hashing it alone is enough to
        # spread findings, and quicker than hashing the enums too (``issue_of`` hashes one per
        # remembered doubt). Equality still compares all three fields.
        return hash(self.message)

    @classmethod
    def of(cls, code: IssueCode, message: str) -> Finding:
        """A finding at the code's default severity."""
        return cls(code, message, DEFAULT_SEVERITY[code])


@lru_cache(maxsize=65536)
def issue_of(field: str, finding: Finding) -> ValidationIssue:
    """The (frozen, shareable) issue of a finding on a field: normalizers cache their findings,
    so the same doubt about the same text recurs across a register."""
    return build_frozen(
        ValidationIssue,
        {
            "field": field,
            "code": finding.code.value,
            "message": finding.message,
            "severity": finding.severity,
        },
        _ISSUE_KEYS,
    )


class IssueCollector:
    """Gathers every issue of one record; nothing here ever raises on bad data.

    >>> collector = IssueCollector()
    >>> collector.add("sex", IssueCode.SEX_UNKNOWN, "'X' is neither Nam nor Nữ")
    >>> [(i.field, i.code, i.severity.value) for i in collector.issues]
    [('sex', 'sex.unknown', 'warning')]
    """

    __slots__ = ("_issues",)

    def __init__(self) -> None:
        self._issues: list[ValidationIssue] = []

    def add(
        self,
        field: str,
        code: IssueCode,
        message: str,
        severity: IssueSeverity | None = None,
    ) -> None:
        """Record one issue; ``severity`` defaults to the code's default."""
        self._issues.append(
            build_frozen(
                ValidationIssue,
                {
                    "field": field,
                    "code": code.value,
                    "message": message,
                    "severity": severity or DEFAULT_SEVERITY[code],
                },
                _ISSUE_KEYS,
            )
        )

    def extend(self, field: str, findings: tuple[Finding, ...] | list[Finding]) -> None:
        """Record a value normalizer's findings against ``field``."""
        for finding in findings:
            self._issues.append(issue_of(field, finding))

    @property
    def issues(self) -> list[ValidationIssue]:
        return self._issues
