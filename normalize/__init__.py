"""Normalization and validation: raw register entries into typed, checked civil records.

The entry points are :func:`normalize.records.normalize_entry` and, for batches,
:func:`normalize.records.normalize_entries`; each concern has its own module of
small pure functions (``text``, ``syllables``, ``names``, ``dates``, ``sex``, ``ethnicity``,
``nationality``, ``places``, ``personal_ids``) returning a value and its findings. Issue codes and
severities are in :mod:`normalize.issues`.
"""

from __future__ import annotations

from normalize.issues import DEFAULT_SEVERITY, IssueCode
from normalize.records import (
    NormalizedResult,
    NormalizeOptions,
    normalize_entries,
    normalize_entry,
)

__all__ = [
    "DEFAULT_SEVERITY",
    "IssueCode",
    "NormalizeOptions",
    "NormalizedResult",
    "clear_caches",
    "load_tables",
    "normalize_entries",
    "normalize_entry",
]


def load_tables() -> None:
    """Load the administrative-unit tables now: a one-time cost per process (~1.5 s)."""
    from normalize.places import load_tables as load_place_tables

    load_place_tables()


def clear_caches() -> None:
    """Empty every memo of the normalizers (they grow with the distinct texts seen)."""
    from normalize import (
        dates,
        ethnicity,
        issues,
        names,
        nationality,
        personal_ids,
        places,
        records,
        sex,
        syllables,
    )

    for cached in (
        dates.parse_time,
        ethnicity.parse_ethnicity,
        issues.issue_of,
        nationality.parse_nationality,
        personal_ids._sex_and_year_digits,
        places._parse_admin,
        places._convert_old_keys,
        places._key,
        places._accented_key,
        places._unit_level,
        records.parse_registration_number,
        records._ward_of_book,
        records._book_province_code,
        sex.parse_sex,
        syllables.is_valid_syllable,
    ):
        cached.cache_clear()
    records.clear_readings()
    dates.clear_memos()
    names.clear_words()
