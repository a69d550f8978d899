"""The contract between the district generator and the scan renderer.

The generator (:mod:`synth.district`) writes register books as JSON (``books/<book_id>.json``,
one :class:`RegisterBook` each); the renderer (:mod:`synth.render`) turns them into scans and
writes the ground truth of every page to a sibling ``truth/`` tree.

``BookEntry.written`` holds each field's text exactly as the clerk wrote it in the book (with
the discrepancies the generator injected); ``BookEntry.truth`` the true value in canonical form
(ISO dates, ``M``/``F``, full names with diacritics, addresses in post-2025 units).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from schemas.enums import RegisterType
from schemas.values import BBox

ABSENT = "absent"
"""Value of a true personal ID for someone the population DB does not hold."""


class DiscrepancyKind(StrEnum):
    """Ways a book entry differs from the population DB (each injected on purpose)."""

    DROPPED_DIACRITICS = "dropped_diacritics"
    SWAPPED_DIACRITICS = "swapped_diacritics"
    SURNAME_VARIANT = "surname_variant"  # Huỳnh/Hoàng, Vũ/Võ
    DROPPED_MIDDLE_NAME = "dropped_middle_name"
    TYPO = "typo"
    DAY_MONTH_SWAP = "day_month_swap"
    YEAR_ONLY_DATE = "year_only_date"
    DATE_IN_WORDS = "date_in_words"
    CAPITALS = "capitals"
    OLD_ADDRESS = "old_address"  # pre-2025 units
    MISSING_ID = "missing_id"  # no personal ID (before 2016)
    ABSENT_FROM_DB = "absent_from_db"
    RE_REGISTRATION = "re_registration"  # the same event registered again


class Discrepancy(BaseModel):
    """One injected difference: which field, what kind, and a short description."""

    kind: DiscrepancyKind
    field: str = Field(description="Field name, or '*' for the entry as a whole.")
    detail: str = ""


class BookEntry(BaseModel):
    """One entry of a register book."""

    entry_key: str = Field(description="Stable key: '<book_id>-<registration_number>'.")
    registration_number: int = Field(ge=1)
    written: dict[str, str] = Field(
        description="Field name -> text as written in the book ('' for a blank cell)."
    )
    truth: dict[str, str] = Field(description="Field name -> true value, canonical form.")
    true_personal_ids: dict[str, str] = Field(
        description=(
            "Party -> true personal ID in the population DB, or 'absent'. Parties: 'subject' "
            "for birth and death, 'husband' and 'wife' for marriage."
        )
    )
    discrepancies: list[Discrepancy] = Field(default_factory=list)


class RegisterBook(BaseModel):
    """A ward's book of one register type for one year."""

    book_id: str = Field(description="e.g. 'birth-00100-1998'.")
    register_type: RegisterType
    year: int
    ward_written: str = Field(description="The ward as named on the book (old unit if pre-2025).")
    ward: str = Field(description="The ward in post-2025 units.")
    ward_code: str = Field(description="5-digit 2025 commune code.")
    era: Literal["pre2014", "post2014"] = Field(
        description="Form of the book: older books lack columns and word headers differently."
    )
    entries: list[BookEntry]


# Ground truth written by the renderer beside the scans: ``truth/<batch>/<file>.json``.


class TruthField(BaseModel):
    """A field as it appears on a rendered page: its text and its cell box."""

    text: str
    bbox: BBox


class TruthEntry(BaseModel):
    """One entry on a rendered page."""

    entry_key: str
    row_index: int = Field(ge=1, description="1-based entry on the page.")
    bbox: BBox = Field(description="Box of the whole row (or the form's body).")
    fields: dict[str, TruthField]


class TruthPage(BaseModel):
    """One rendered page: its shape, the degradation applied, and its entries."""

    page_number: int = Field(ge=1)
    page_shape: Literal["ruled_table", "form", "born_digital"]
    width_px: int
    height_px: int
    dpi: int
    skew_degrees: float = 0.0
    rotation: Literal[0, 90, 180, 270] = 0
    degradation: str = Field("clean", description="Name of the degradation level applied.")
    header_labels: dict[str, str] = Field(
        default_factory=dict, description="Field -> header label printed (tables)."
    )
    column_order: list[str] = Field(default_factory=list)
    entries: list[TruthEntry]


class TruthFile(BaseModel):
    """Ground truth of one rendered file."""

    file_name: str
    file_format: Literal["png", "jpeg", "tiff", "pdf_scanned", "pdf_born_digital"]
    book_id: str
    register_type: RegisterType
    pages: list[TruthPage]
