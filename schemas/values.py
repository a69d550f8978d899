"""Value types: boxes, provenance, partial dates, and the field value that carries all three.

Coordinates: a :class:`BBox` is in pixels of the page image, origin top-left. For image files
that is the file's own pixel grid; for PDF pages (scanned or born-digital) it is the page
rendered at 300 DPI, so ``pdf_points * 300 / 72``.
"""

from __future__ import annotations

import datetime as dt
import re
from operator import itemgetter
from typing import Any, ClassVar, Generic, Optional, TypeVar, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    model_serializer,
    model_validator,
)
from pydantic_core import core_schema

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


FIELD_VALUE_ATTRIBUTES = ("value", "raw_text", "confidence", "page_number", "bbox")
"""A :class:`FieldValue`'s attributes, in order (its tuple order and its serialized keys)."""


class AttributeTuple(tuple):  # type: ignore[type-arg]
    """An immutable tuple whose items are named attributes (``attributes``, in order): its
    repr names them, and a copy or a pickle is made again through the class's ``__new__``."""

    __slots__ = ()
    attributes: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{name}={item!r}" for name, item in zip(self.attributes, self, strict=True)
        )
        return f"{type(self).__name__}({inner})"

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)


class FieldValue(AttributeTuple, Generic[T]):
    """One field of a record: its value with the confidence and place it was read from.

    ``raw_text`` is the text as read (OCR or text layer) before normalization; ``confidence`` is
    in [0, 1] (``None`` when the value did not come from a reading, e.g. a steward's entry).

    An immutable tuple ``(value, raw_text, confidence, page_number, bbox)`` with named
    attributes rather than a model: a record holds ~16 of them and normalization makes them by
    the million, where a model instance and its ``__dict__`` cost several times a tuple's
    memory and time. In a record it is validated and serialized as a model would be
    (:meth:`__get_pydantic_core_schema__`): ``FieldValue[PartialDate]`` checks its value as a
    ``PartialDate``, the confidence in [0, 1], the page from 1, and dumps as a dict of the five.
    (Not a ``NamedTuple``: pydantic would take it for one and validate it as a plain tuple.)

    >>> FieldValue[int](value=12, confidence=0.9)
    FieldValue(value=12, raw_text=None, confidence=0.9, page_number=None, bbox=None)
    """

    __slots__ = ()
    attributes = FIELD_VALUE_ATTRIBUTES

    def __new__(
        cls,
        value: T | None = None,
        raw_text: str | None = None,
        confidence: float | None = None,
        page_number: int | None = None,
        bbox: BBox | None = None,
    ) -> FieldValue[T]:
        return tuple.__new__(cls, (value, raw_text, confidence, page_number, bbox))

    # C-level getters: matching and the export read these by the million.
    value: T | None = property(itemgetter(0), doc="The normalized value.")  # type: ignore[assignment]
    raw_text: str | None = property(itemgetter(1), doc="The text as read.")  # type: ignore[assignment]
    confidence: float | None = property(itemgetter(2), doc="Reading confidence in [0, 1].")  # type: ignore[assignment]
    page_number: int | None = property(itemgetter(3), doc="1-based page read from.")  # type: ignore[assignment]
    bbox: BBox | None = property(itemgetter(4), doc="Box of the cell read.")  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        """The five attributes by name, in order (also what a record's dump holds)."""
        # spelled out: pydantic calls this for every field of every record dumped
        value, raw_text, confidence, page_number, bbox = self
        return {
            "value": value,
            "raw_text": raw_text,
            "confidence": confidence,
            "page_number": page_number,
            "bbox": bbox,
        }

    def replace(self, **changes: Any) -> FieldValue[T]:
        """A copy with some attributes changed: ``value.replace(value=..., confidence=1.0)``."""
        unknown = changes.keys() - set(FIELD_VALUE_ATTRIBUTES)
        if unknown:
            raise TypeError(f"FieldValue has no attribute {sorted(unknown)}")
        return FieldValue(**{**self.as_dict(), **changes})

    @property
    def is_missing(self) -> bool:
        return self.value is None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate from a dict (or a ``FieldValue``) of checked attributes; dump as that dict."""
        checked = core_schema.typed_dict_schema(
            {
                name: core_schema.typed_dict_field(schema, required=False)
                for name, schema in (
                    ("value", handler.generate_schema(Optional[field_value_type(source)])),  # noqa: UP045
                    ("raw_text", core_schema.nullable_schema(core_schema.str_schema())),
                    (
                        "confidence",
                        core_schema.nullable_schema(core_schema.float_schema(ge=0.0, le=1.0)),
                    ),
                    ("page_number", core_schema.nullable_schema(core_schema.int_schema(ge=1))),
                    ("bbox", handler.generate_schema(Optional[BBox])),  # noqa: UP045
                )
            }
        )
        return core_schema.no_info_before_validator_function(
            _field_value_input,
            core_schema.no_info_after_validator_function(_field_value_from_dict, checked),
            serialization=core_schema.plain_serializer_function_ser_schema(
                FieldValue.as_dict, return_schema=checked
            ),
        )


FIELD_VALUE_READING_TYPES: dict[str, Any] = {
    "raw_text": str,
    "confidence": float,
    "page_number": int,
    "bbox": BBox,
}
"""The types of a :class:`FieldValue`'s attributes beside its value (each may be ``None``)."""


def field_value_type(annotation: Any) -> Any:
    """``X`` of ``FieldValue[X]`` (``Any`` for a bare ``FieldValue``); ``None`` for other types.

    >>> field_value_type(FieldValue[int]), field_value_type(FieldValue), field_value_type(int)
    (<class 'int'>, typing.Any, None)
    """
    if annotation is FieldValue:
        return Any
    if get_origin(annotation) is FieldValue:
        return get_args(annotation)[0]
    return None


def _field_value_input(data: Any) -> Any:
    return data.as_dict() if isinstance(data, FieldValue) else data


def _field_value_from_dict(data: dict[str, Any]) -> FieldValue[Any]:
    get = data.get
    return FieldValue(
        get("value"), get("raw_text"), get("confidence"), get("page_number"), get("bbox")
    )
