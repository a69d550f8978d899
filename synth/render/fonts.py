"""The DejaVu fonts, for Pillow (raster pages) and reportlab (born-digital PDFs).

Layout is measured once, in points, with reportlab's metrics of the same TrueType files the
raster renderer draws with, so both renderers place text at the same positions.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from civreg.errors import MissingDependencyError
from synth.render.spec import FontFamily

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

_FILES: dict[tuple[FontFamily, bool], str] = {
    ("sans", False): "DejaVuSans.ttf",
    ("sans", True): "DejaVuSans-Bold.ttf",
    ("serif", False): "DejaVuSerif.ttf",
    ("serif", True): "DejaVuSerif-Bold.ttf",
    ("sans_condensed", False): "DejaVuSansCondensed.ttf",
    ("sans_condensed", True): "DejaVuSansCondensed-Bold.ttf",
    ("serif_condensed", False): "DejaVuSerifCondensed.ttf",
    ("serif_condensed", True): "DejaVuSerifCondensed-Bold.ttf",
}

BASELINE_EM = 1.07
"""Baseline below the top of a text line, in em: Vietnamese capitals with stacked marks
("Ễ") reach 1.06 em above the baseline in DejaVu."""
LINE_HEIGHT_EM = 1.3
"""Leading, in em: room for Vietnamese stacked marks above capitals and for descenders."""


def font_path(family: FontFamily, bold: bool = False) -> Path:
    """The TrueType file of a family, or an error naming the missing file."""
    path = FONT_DIR / _FILES[(family, bold)]
    if not path.is_file():
        raise MissingDependencyError(
            f"font file {path} not found", hint="install the Debian package fonts-dejavu-core"
        )
    return path


def reportlab_font(family: FontFamily, bold: bool = False) -> str:
    """Register the font with reportlab (once) and return its name."""
    return _register_reportlab(family, bold)


@cache
def _register_reportlab(family: FontFamily, bold: bool) -> str:
    path = font_path(family, bold)
    name = path.stem
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def text_width_pt(text: str, family: FontFamily, size_pt: float, bold: bool = False) -> float:
    """Advance width of ``text`` in points."""
    return pdfmetrics.stringWidth(text, reportlab_font(family, bold), size_pt)


@cache
def pillow_font(family: FontFamily, bold: bool, size_px: int) -> ImageFont.FreeTypeFont:
    """A Pillow font at a pixel size; basic layout keeps rendering identical across machines."""
    return ImageFont.truetype(
        str(font_path(family, bold)), size_px, layout_engine=ImageFont.Layout.BASIC
    )
