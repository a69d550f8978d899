"""The one options object of the OCR stage, derived from :class:`civreg.settings.Settings`.

Stages take an :class:`OcrOptions` rather than the whole settings so that they stay pure,
picklable and testable with small limits (a tiny pixel limit, a low page limit).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from civreg.settings import Settings


class BinarizePolicy(StrEnum):
    """When the page image handed to the recogniser is binarized.

    Measured with Tesseract ``vie`` on generated pages: Otsu after flattening the light cost
    0.2% CER on clean 150-DPI pages and gained nothing on unevenly lit ones (flattening alone
    took them from 16% to 0%); on speckled 150-DPI pages median + Otsu beat median alone
    (6.4% vs 9.0%), on speckled 300-DPI pages it lost (3.9% vs 2.1%). So ``auto`` binarizes
    only speckled pages below ``binarize_below_dpi``.
    """

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class OrientationMethod(StrEnum):
    """How a page's 0/90/180/270 orientation is found."""

    OSD = "osd"  # Tesseract's orientation and script detection, on every page
    # Read the page as scanned; OSD only on a page whose layout is not understood. Scanners
    # deliver nearly every page upright, and OSD costs ~0.7 s of CPU per page (a fifth of a
    # table's reading) to say so.
    OSD_ON_FAILURE = "osd_on_failure"
    NONE = "none"  # trust the scanner


class OcrOptions(BaseModel):
    """Limits and knobs of ingest, page reading, preprocessing and recognition."""

    model_config = ConfigDict(frozen=True)

    quarantine_dir: Path = Field(Path("var/quarantine"))
    max_image_pixels: int = Field(200_000_000, ge=1)
    max_pdf_pages: int = Field(500, ge=1)

    pdf_render_dpi: int = Field(300, ge=72, le=1200)
    default_image_dpi: int = Field(
        300, ge=72, le=1200, description="Assumed when an image carries no plausible DPI."
    )
    min_plausible_dpi: int = Field(
        100, description="Below this, image DPI metadata is a writer's default (72), not a scan's."
    )
    min_text_layer_words: int = Field(
        3, ge=1, description="A PDF page with fewer readable words is treated as a scan."
    )

    orientation: OrientationMethod = OrientationMethod.OSD_ON_FAILURE
    min_osd_confidence: float = Field(
        2.0, ge=0.0, description="Below this OSD confidence, the page is left as it is."
    )
    max_skew_degrees: float = Field(8.0, gt=0.0, le=45.0)
    min_skew_correction: float = Field(
        0.05, ge=0.0, description="Smaller measured skews are left uncorrected."
    )
    uneven_light_threshold: int = Field(
        40, ge=0, le=255, description="Background grey range above which lighting is uneven."
    )
    binarize: BinarizePolicy = BinarizePolicy.AUTO
    binarize_below_dpi: int = Field(250, description="``auto`` binarizes noisy pages below this.")
    speckle_threshold: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of dot-sized ink blobs above which we denoise."
    )

    tesseract_cmd: str = "tesseract"
    language: str = "vie"
    tesseract_threads: int = Field(1, ge=1, description="OMP_THREAD_LIMIT of each Tesseract run.")
    tesseract_timeout: int = Field(120, ge=0, description="Seconds per Tesseract call; 0 = none.")
    page_psm: int = Field(3, ge=0, le=13, description="Page segmentation mode of a page read.")
    gridless_page_psm: int = Field(
        6, ge=0, le=13, description="Page segmentation mode once ruling lines are erased."
    )
    workers: int = Field(2, ge=1, description="Single-threaded Tesseract processes side by side.")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> OcrOptions:
        """Options from the process settings; ``overrides`` win (tests set small limits)."""
        values: dict[str, object] = {
            "quarantine_dir": settings.resolved_quarantine_dir,
            "max_image_pixels": settings.max_image_pixels,
            "max_pdf_pages": settings.max_pdf_pages,
            "pdf_render_dpi": settings.pdf_render_dpi,
            "tesseract_cmd": settings.tesseract_cmd,
            "language": settings.ocr_language,
            "workers": settings.ocr_workers,
        }
        values.update(overrides)
        return cls.model_validate(values)
