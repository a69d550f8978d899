"""Overlay images: what extraction saw on a page, drawn over the page for debugging and review.

Grid cells are drawn thin and grey, each field's box in a colour for its confidence (green sure,
amber doubtful, red poor, blue when post-correction changed it) with the field's name on the
first entry, each entry's box in violet; a page that was not understood carries the reason in a
red band at the top.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.extract import PageExtraction
from schemas.values import BBox

MAX_OVERLAY_WIDTH = 2400
"""Overlays are scaled down to at most this width: enough to read, a few hundred kB."""
SURE, DOUBTFUL = 0.85, 0.6
_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
_GREY = (160, 160, 160)
_GREEN = (20, 150, 60)
_AMBER = (230, 140, 0)
_RED = (210, 30, 30)
_BLUE = (30, 90, 220)
_VIOLET = (130, 50, 170)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def _colour(confidence: float, corrected: bool) -> tuple[int, int, int]:
    if corrected:
        return _BLUE
    if confidence >= SURE:
        return _GREEN
    return _AMBER if confidence >= DOUBTFUL else _RED


def draw_overlay(image: np.ndarray, extraction: PageExtraction) -> Image.Image:
    """The page (grey or RGB array, any resolution) with the extraction drawn over it.

    Boxes are in the extraction's pixels (``extraction.width`` wide); the image is scaled to
    them, then the result down to :data:`MAX_OVERLAY_WIDTH`.
    """
    page = Image.fromarray(image).convert("RGB")
    width = extraction.width or page.width
    height = extraction.height or page.height
    scale = min(1.0, MAX_OVERLAY_WIDTH / max(width, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    canvas = page.resize(size, Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(canvas)
    line = max(1, round(3 * scale))
    font = _font(max(10, round(26 * scale)))

    def rect(box: BBox) -> tuple[int, int, int, int]:
        return (
            round(box.x0 * scale),
            round(box.y0 * scale),
            round(box.x1 * scale),
            round(box.y1 * scale),
        )

    for cell in extraction.cells:
        draw.rectangle(rect(cell), outline=_GREY, width=1)
    for index, entry in enumerate(extraction.entries):
        if entry.provenance.bbox is not None:
            draw.rectangle(rect(entry.provenance.bbox), outline=_VIOLET, width=line)
        named = {**entry.fields, **{f"extra: {k}": v for k, v in entry.extra.items()}}
        for name, field in named.items():
            if field.bbox is None:
                continue
            x0, y0, x1, y1 = rect(field.bbox)
            colour = _colour(field.confidence, bool(field.corrections))
            draw.rectangle((x0, y0, x1, y1), outline=colour, width=line)
            if index == 0 or extraction.page_shape == "form":
                top = max(y0 - getattr(font, "size", 12) - 2, 0)
                draw.text((x0 + 2, top), name, fill=colour, font=font)
    if extraction.not_understood:
        band = max(40, round(60 * scale))
        draw.rectangle((0, 0, size[0], band), fill=_RED)
        message = f"layout not understood: {extraction.not_understood}"
        draw.text((10, band // 4), message, fill=(255, 255, 255), font=font)
    return canvas


def write_overlay(image: np.ndarray, extraction: PageExtraction, path: Path) -> Path:
    """Draw the overlay and save it as PNG at ``path`` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draw_overlay(image, extraction).save(path, "PNG", optimize=False)
    return path
