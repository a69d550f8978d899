"""Value types: boxes, provenance, partial dates, and the field value that carries all three.

Coordinates: a :class:`BBox` is in pixels of the page image, origin top-left. For image files
that is the file's own pixel grid; for PDF pages (scanned or born-digital) it is the page
rendered at 300 DPI, so ``pdf_points * 300 / 72``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from schemas.enums import DatePrecision

PDF_BBOX_DPI = 300
"""Pixel density of the coordinate grid used for boxes on PDF pages."""

T = TypeVar("T")


class BBox(BaseModel):
    """An axis-aligned box in page pixels: ``x0 <= x1``, ``y0 <= y1``."""

    model_config = ConfigDict(frozen=True)

    x0: int = Field(ge=0)
    y0: int = Field(ge=0)
    x1: int = Field(ge=0)
    y1: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"box corners out of order: {self.as_list()}")
        return self

    def as_list(self) -> list[int]:
        """``[x0, y0, x1, y1]``, the form stored in the export."""
        return [self.x0, self.y0, self.x1, self.y1]

    @classmethod
    def from_list(cls, values: list[int] | tuple[int, int, int, int]) -> BBox:
        """Build from ``[x0, y0, x1, y1]``."""
        x0, y0, x1, y1 = values
        return cls(x0=x0, y0=y0, x1=x1, y1=y1)

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def union(self, other: BBox) -> BBox:
        """The smallest box holding both."""
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


class Provenance(BaseModel):
    """Where an entry was read: enough to find the scan region from the export alone."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    source_path: str = Field(description="Path of the file relative to its batch folder.")
    source_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    page_number: int = Field(ge=1, description="1-based page of the file.")
    row_index: int = Field(ge=1, description="1-based entry on the page.")
    bbox: BBox | None = Field(None, description="Box of the whole entry (row or form).")


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class PartialDate(BaseModel):
    """A date known to the day, the month or only the year.

    Serialized as ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    >>> PartialDate.parse("1990-03").precision
    <DatePrecision.MONTH: 'month'>
    >>> str(PartialDate(year=1990, month=3, day=5))
    '1990-03-05'
    """

    model_config = ConfigDict(frozen=True)

    year: int = Field(ge=1, le=9999)
    month: int | None = Field(None, ge=1, le=12)
    day: int | None = Field(None, ge=1, le=31)

    @model_validator(mode="before")
    @classmethod
    def _from_iso(cls, data: Any) -> Any:
        if isinstance(data, str):
            return cls._iso_parts(data)
        if isinstance(data, dt.date):
            return {"year": data.year, "month": data.month, "day": data.day}
        return data

    @model_validator(mode="after")
    def _real_date(self) -> PartialDate:
        if self.day is not None:
            if self.month is None:
                raise ValueError("a day without a month")
            dt.date(self.year, self.month, self.day)  # raises ValueError on 31/02 etc.
        return self

    @model_serializer
    def _to_iso(self) -> str:
        return self.iso()

    @staticmethod
    def _iso_parts(text: str) -> dict[str, int | None]:
        match = _ISO_PARTIAL.match(text.strip())
        if not match:
            raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
        year, month, day = match.groups()
        return {
            "year": int(year),
            "month": int(month) if month else None,
            "day": int(day) if day else None,
        }

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse an ISO partial date."""
        return cls(**cls._iso_parts(text))

    @property
    def precision(self) -> DatePrecision:
        if self.day is not None:
            return DatePrecision.DAY
        if self.month is not None:
            return DatePrecision.MONTH
        return DatePrecision.YEAR

    def iso(self) -> str:
        """The ISO form at this date's precision."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> dt.date | None:
        """The full date, or ``None`` when only part of it is known."""
        if self.day is None or self.month is None:
            return None
        return dt.date(self.year, self.month, self.day)

    def earliest(self) -> dt.date:
        """First day this partial date can mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        return self.iso()


class FieldValue(BaseModel, Generic[T]):
    """One field of a record: its value with the confidence and place it was read from.

    ``raw_text`` is the text as read (OCR or text layer) before normalization; ``confidence`` is
    in [0, 1] (``None`` when the value did not come from a reading, e.g. a steward's entry).
    """

    model_config = ConfigDict(frozen=True)

    value: T | None = None
    raw_text: str | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    page_number: int | None = Field(None, ge=1)
    bbox: BBox | None = None

    @property
    def is_missing(self) -> bool:
        return self.value is None
