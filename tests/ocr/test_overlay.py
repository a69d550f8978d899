"""Overlays: fields drawn in the colour of their confidence, unread pages marked in red."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ocr.extract import PageExtraction
from ocr.overlay import MAX_OVERLAY_WIDTH, draw_overlay, write_overlay
from schemas.enums import PageShape, RegisterType
from schemas.records import RawEntry, RawField
from schemas.values import BBox, Provenance

SHA = "b" * 64


def _extraction(**update: object) -> PageExtraction:
    entry = RawEntry(
        entry_id="e" * 64,
        register_type=RegisterType.BIRTH,
        page_shape=PageShape.RULED_TABLE,
        fields={
            "full_name": RawField(
                text="Lê Văn Hùng", confidence=0.97, bbox=BBox(x0=100, y0=100, x1=400, y1=160)
            ),
            "sex": RawField(text="Nam", confidence=0.3, bbox=BBox(x0=400, y0=100, x1=500, y1=160)),
        },
        provenance=Provenance(
            batch_id="b",
            source_path="x.png",
            source_sha256=SHA,
            page_number=1,
            row_index=1,
            bbox=BBox(x0=100, y0=100, x1=500, y1=160),
        ),
    )
    base = PageExtraction(
        source_path="x.png",
        source_sha256=SHA,
        page_number=1,
        page_shape=PageShape.RULED_TABLE,
        entries=[entry],
        width=600,
        height=300,
        dpi=300,
        cells=[BBox(x0=100, y0=100, x1=400, y1=160), BBox(x0=400, y0=100, x1=500, y1=160)],
    )
    return base.model_copy(update=update)


def _colour_on_edge(image: Image.Image, box: BBox) -> tuple[int, int, int]:
    return image.getpixel((box.x0 + (box.x1 - box.x0) // 2, box.y0))


def test_fields_are_outlined_by_confidence() -> None:
    page = np.full((300, 600), 255, dtype=np.uint8)
    overlay = draw_overlay(page, _extraction())
    assert overlay.size == (600, 300)
    name, sex = _extraction().entries[0].fields.values()
    green, red = _colour_on_edge(overlay, name.bbox), _colour_on_edge(overlay, sex.bbox)
    assert green[1] > green[0] and green[1] > green[2]
    assert red[0] > red[1] and red[0] > red[2]


def test_an_unread_page_carries_its_reason_in_a_red_band(tmp_path: Path) -> None:
    page = np.full((1500, 5000), 255, dtype=np.uint8)  # wider than overlays are kept
    extraction = _extraction(
        entries=[], not_understood="header not recognised", width=5000, height=1500
    )
    path = write_overlay(page, extraction, tmp_path / "deep" / "p001.png")
    with Image.open(path) as overlay:
        assert overlay.width == MAX_OVERLAY_WIDTH
        top = overlay.convert("RGB").getpixel((overlay.width - 5, 5))
        assert top[0] > 180 and top[1] < 80
