"""Draw a page layout as an image at a DPI, and report its boxes as pixel corner points."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synth.render.fonts import pillow_font
from synth.render.layout import PageLayout, Rect, TextRun

Colour = tuple[int, int, int]

WHITE: Colour = (255, 255, 255)
BLACK_INK: Colour = (22, 22, 22)
CREAM_PAPER: Colour = (246, 240, 224)
BLUE_BLACK_INK: Colour = (24, 30, 58)


@dataclass(frozen=True)
class Inking:
    """Paper and ink of a page; ``strength`` below 1 fades the ink towards the paper."""

    paper: Colour = WHITE
    ink: Colour = BLACK_INK
    strength: float = 1.0
    colour: bool = False

    @property
    def ink_drawn(self) -> Colour:
        return tuple(
            round(p - (p - i) * self.strength) for p, i in zip(self.paper, self.ink, strict=True)
        )  # type: ignore[return-value]

    def fill(self, rgb: Colour) -> Colour | int:
        """A colour in the image's mode ('RGB' or 'L')."""
        if self.colour:
            return rgb
        return round(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2])


@dataclass
class RasterPage:
    """A drawn page: its image and the corners of every truth box, in pixels."""

    image: Image.Image
    dpi: int
    corners: np.ndarray
    """Shape (boxes, 4, 2): x, y of the four corners of each box, in layout box order."""


def layout_boxes(layout: PageLayout) -> list[Rect]:
    """The truth boxes of a layout in a fixed order: per entry its row, then its fields."""
    boxes = []
    for entry in layout.entries:
        boxes.append(entry.rect)
        boxes.extend(field.rect for field in entry.fields.values())
    return boxes


def _font_within(run: TextRun, scale: float) -> ImageFont.FreeTypeFont:
    """The run's font at this scale, a hair smaller if hinting made the text wider than laid out.

    FreeType rounds glyph advances to whole pixels, which at 150 DPI can add 4 pt to a line.
    """
    size_px = round(run.size * scale * 4) / 4
    font = pillow_font(run.family, run.bold, size_px)
    room = run.width * scale
    drawn = font.getlength(run.text)
    while drawn > room + 0.5 and size_px > 4:
        size_px = math.floor(size_px * room / drawn * 4) / 4
        font = pillow_font(run.family, run.bold, size_px)
        drawn = font.getlength(run.text)
    return font


def rasterize(layout: PageLayout, dpi: int, inking: Inking) -> RasterPage:
    """Draw rules and text at ``dpi`` (fonts at their point size, so 10 pt stays 10 pt)."""
    scale = dpi / 72.0
    size = (round(layout.width_pt * scale), round(layout.height_pt * scale))
    image = Image.new("RGB" if inking.colour else "L", size, inking.fill(inking.paper))
    draw = ImageDraw.Draw(image)
    ink = inking.fill(inking.ink_drawn)
    for rule in layout.rules:
        width = max(1, round(rule.width * scale))
        points = [(rule.x0 * scale, rule.y0 * scale), (rule.x1 * scale, rule.y1 * scale)]
        draw.line(points, fill=ink, width=width)
    for run in layout.texts:
        font = _font_within(run, scale)
        draw.text((run.x * scale, run.baseline * scale), run.text, fill=ink, font=font, anchor="ls")
    corners = np.array([box.corners() for box in layout_boxes(layout)], dtype=np.float64)
    return RasterPage(image, dpi, corners.reshape(-1, 4, 2) * scale)
