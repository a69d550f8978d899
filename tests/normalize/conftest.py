"""Builders of raw entries for the normalization tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from normalize.records import NormalizeOptions
from schemas.enums import PageShape, RegisterType
from schemas.records import RawEntry, RawField
from schemas.values import BBox, Provenance

TODAY = dt.date(2026, 11, 27)
PROVENANCE = Provenance(
    batch_id="b1",
    source_path="quang-an/birth-2020.pdf",
    source_sha256="ab" * 32,
    page_number=3,
    row_index=7,
)


def raw_entry(
    register_type: RegisterType,
    texts: dict[str, str],
    *,
    book_ward: str | None = "Phường Quảng An, Quận Tây Hồ, Thành phố Hà Nội",
    book_year: int | None = 2020,
    confidence: float = 0.97,
) -> RawEntry:
    """An entry as extraction would give it: one box per field, stacked down the row."""
    return RawEntry(
        entry_id=f"{register_type.value}-test",
        register_type=register_type,
        page_shape=PageShape.RULED_TABLE,
        fields={
            name: RawField(
                text=text,
                confidence=confidence,
                bbox=BBox(x0=10 * i, y0=100, x1=10 * i + 9, y1=130),
            )
            for i, (name, text) in enumerate(texts.items())
        },
        book_ward=book_ward,
        book_year=book_year,
        provenance=PROVENANCE,
    )


@pytest.fixture
def options() -> NormalizeOptions:
    return NormalizeOptions(today=TODAY)


@pytest.fixture
def make_entry() -> Callable[..., RawEntry]:
    """:func:`raw_entry`, for tests to build their own entries."""
    return raw_entry
