"""Write scanned pages as PNG, JPEG, TIFF (single or multi-page) or image-only PDF, byte-stable.

Every date a format can carry is fixed (TIFF DateTime, PDF creation date through reportlab's
invariant mode), so the same pages always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from PIL import Image
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

SCAN_DATETIME = "2024:06:03 08:30:00"
"""The TIFF DateTime every synthetic scan carries."""
SOFTWARE = "civreg synth"
_TIFF_DATETIME = 306
_TIFF_SOFTWARE = 305


@contextmanager
def binary_pdf_streams() -> Iterator[None]:
    """Write PDF streams without ASCII85, which reportlab encodes in pure Python (~2 s a page).

    reportlab reads the switch from its global config while writing, so it is set for the
    duration of one document and restored after.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def encode_png(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def encode_jpeg(image: Image.Image, dpi: int, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", dpi=(dpi, dpi), quality=quality, optimize=False)
    return buffer.getvalue()


def encode_tiff(images: Sequence[Image.Image], dpi: int) -> bytes:
    """One TIFF holding every image as a frame (deflate-compressed, fixed date)."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(
        buffer,
        "TIFF",
        save_all=bool(rest),
        append_images=rest,
        compression="tiff_adobe_deflate",
        dpi=(dpi, dpi),
        tiffinfo={_TIFF_DATETIME: SCAN_DATETIME, _TIFF_SOFTWARE: SOFTWARE},
    )
    return buffer.getvalue()


def encode_scanned_pdf(images: Sequence[Image.Image], dpi: int, jpeg_quality: int | None) -> bytes:
    """A PDF whose pages are only images (no text layer), each page sized from its DPI.

    Pages are embedded as JPEG when ``jpeg_quality`` is given (as scanners do for grey and
    colour), else losslessly.
    """
    buffer = io.BytesIO()
    with binary_pdf_streams():
        canvas = Canvas(buffer, invariant=True, pageCompression=1)
        canvas.setCreator(SOFTWARE)
        for image in images:
            width_pt = image.width * 72.0 / dpi
            height_pt = image.height * 72.0 / dpi
            canvas.setPageSize((width_pt, height_pt))
            if jpeg_quality is not None:
                source = ImageReader(io.BytesIO(encode_jpeg(image, dpi, jpeg_quality)))
            else:
                source = ImageReader(image)
            canvas.drawImage(source, 0, 0, width=width_pt, height=height_pt)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()
