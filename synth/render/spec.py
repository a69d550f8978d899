"""What to render: degradation levels (as data), the options of a run, and the spec of one file.

A run (:class:`RenderOptions`) is planned into :class:`PageSpec` values, one per output file (or
per series of single-page files); each spec names every choice the renderer makes that is not
drawn per page, so a spec plus its seed reproduces the same bytes.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PageShapeName = Literal["ruled_table", "form", "born_digital"]
LevelName = Literal["clean", "mild", "degraded", "severe"]
PaperName = Literal["A4", "A3"]
FontFamily = Literal["sans", "serif", "sans_condensed", "serif_condensed"]

ALL_SHAPES: tuple[PageShapeName, ...] = ("ruled_table", "form", "born_digital")
ALL_LEVELS: tuple[LevelName, ...] = ("clean", "mild", "degraded", "severe")

PAPER_POINTS: dict[PaperName, tuple[float, float]] = {
    "A4": (595.28, 841.89),
    "A3": (841.89, 1190.55),
}
"""Portrait width and height of each paper size, in PDF points (1/72 inch)."""


class OutputFormat(StrEnum):
    """The file a spec produces; single-page formats write one file per page."""

    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    TIFF_MULTIPAGE = "tiff_multipage"
    PDF_SCANNED = "pdf_scanned"
    PDF_BORN_DIGITAL = "pdf_born_digital"

    @property
    def multipage(self) -> bool:
        return self in (
            OutputFormat.TIFF_MULTIPAGE,
            OutputFormat.PDF_SCANNED,
            OutputFormat.PDF_BORN_DIGITAL,
        )

    @property
    def truth_format(self) -> Literal["png", "jpeg", "tiff", "pdf_scanned", "pdf_born_digital"]:
        """The ``TruthFile.file_format`` value of this format."""
        return "tiff" if self is OutputFormat.TIFF_MULTIPAGE else self.value  # type: ignore[return-value]

    @property
    def extension(self) -> str:
        return {
            OutputFormat.PNG: "png",
            OutputFormat.JPEG: "jpg",
            OutputFormat.TIFF: "tif",
            OutputFormat.TIFF_MULTIPAGE: "tif",
            OutputFormat.PDF_SCANNED: "pdf",
            OutputFormat.PDF_BORN_DIGITAL: "pdf",
        }[self]


SCAN_FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat.PNG,
    OutputFormat.JPEG,
    OutputFormat.TIFF,
    OutputFormat.TIFF_MULTIPAGE,
    OutputFormat.PDF_SCANNED,
)


class DegradationLevel(BaseModel):
    """How badly a page was scanned. Every effect is a parameter here, none is hidden in code."""

    model_config = ConfigDict(frozen=True)

    name: LevelName
    dpi_choices: tuple[int, ...]
    max_skew_degrees: float = Field(ge=0.0, le=10.0)
    speckle_density: float = Field(0.0, ge=0.0, description="Fraction of pixels flipped.")
    noise_sigma: float = Field(0.0, ge=0.0, description="Gaussian grey noise, in grey levels.")
    blur_radius_px_at_300: float = Field(0.0, ge=0.0, description="Scaled with the DPI.")
    jpeg_quality: int | None = Field(None, description="Quality of a lossy round trip, if any.")
    light_falloff: float = Field(
        0.0, ge=0.0, le=0.6, description="How much darker the dim edge of the page is (0..1)."
    )
    ink_strength: tuple[float, float] = Field(
        (1.0, 1.0), description="Range of ink darkness (1 = full, 0.5 = faint print)."
    )
    page_turn_probability: float = Field(
        0.0, ge=0.0, le=1.0, description="Chance the whole page is turned 90/180/270 degrees."
    )
    a3_probability: float = Field(0.3, ge=0.0, le=1.0)
    colour_probability: float = Field(0.2, ge=0.0, le=1.0)
    lossy_save_quality: int = Field(90, description="JPEG quality when the file is a JPEG.")


LEVELS: dict[LevelName, DegradationLevel] = {
    "clean": DegradationLevel(
        name="clean", dpi_choices=(300, 300, 400), max_skew_degrees=0.0, lossy_save_quality=92
    ),
    "mild": DegradationLevel(
        name="mild",
        dpi_choices=(300,),
        max_skew_degrees=1.5,
        speckle_density=0.0004,
        blur_radius_px_at_300=0.6,
        light_falloff=0.05,
        ink_strength=(0.85, 1.0),
        lossy_save_quality=85,
    ),
    "degraded": DegradationLevel(
        name="degraded",
        dpi_choices=(200, 240),
        max_skew_degrees=5.0,
        speckle_density=0.0015,
        noise_sigma=9.0,
        blur_radius_px_at_300=0.9,
        jpeg_quality=50,
        light_falloff=0.25,
        ink_strength=(0.55, 0.75),
        lossy_save_quality=50,
    ),
    "severe": DegradationLevel(
        name="severe",
        dpi_choices=(150,),
        max_skew_degrees=5.0,
        speckle_density=0.004,
        noise_sigma=16.0,
        blur_radius_px_at_300=1.6,
        jpeg_quality=40,
        light_falloff=0.4,
        ink_strength=(0.5, 0.7),
        page_turn_probability=0.3,
        a3_probability=0.7,
        colour_probability=0.4,
        lossy_save_quality=40,
    ),
}


class RenderOptions(BaseModel):
    """Options of one rendering run over a district's books."""

    seed: int = 0
    levels: tuple[LevelName, ...] = ALL_LEVELS
    shapes: tuple[PageShapeName, ...] = ALL_SHAPES
    limit_pages: int | None = Field(None, ge=1, description="Stop after this many pages in all.")
    table_pages_per_file: tuple[int, int] = Field(
        (1, 3), description="Range of pages of a book scanned into one file (or series)."
    )
    forms_per_file: tuple[int, int] = Field((1, 3), description="Range of form pages per file.")


class PageSpec(BaseModel):
    """How one slice of a book becomes one file (or one series of single-page files)."""

    model_config = ConfigDict(frozen=True)

    segment: int = Field(ge=0, description="Index of this slice in the book's plan.")
    entry_start: int = Field(ge=0)
    entry_stop: int = Field(ge=0, description="Exclusive end of the slice of book.entries.")
    shape: PageShapeName
    level: LevelName = "clean"
    output: OutputFormat
    paper: PaperName = "A4"
    landscape: bool = False
    dpi: int = Field(300, ge=72, le=600)
    font_family: FontFamily = "serif"
    font_size_pt: float = Field(10.0, ge=8.0, le=12.0)
    lines_per_row: int = Field(2, ge=1, le=4, description="Text lines each table row holds.")
    colour: bool = False
    max_pages: int | None = Field(None, ge=1, description="Stop after this many pages.")
    seed: int = 0

    @property
    def page_size_pt(self) -> tuple[float, float]:
        width, height = PAPER_POINTS[self.paper]
        return (height, width) if self.landscape else (width, height)

    @property
    def degradation(self) -> DegradationLevel:
        return LEVELS[self.level]


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (Python's ``hash`` of a str changes per process)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
