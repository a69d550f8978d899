"""PDF files: validity checks, the text layer of born-digital pages, the images of scanned ones.

pypdfium2 opens and renders (fast, and it tells an encrypted file from a broken one);
pdfplumber reads the text layer with word positions and the drawn ruling lines. Positions are
converted from PDF points to pixels at 300 DPI, the coordinate grid of every box on a PDF page
(:data:`schemas.values.PDF_BBOX_DPI`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page as PlumberPage

from civreg.pdfium import PDFIUM_LOCK
from ocr.engine import Word
from ocr.errors import UnreadableFileError
from ocr.grid import Axis, Ruling
from schemas.enums import QuarantineReason
from schemas.values import PDF_BBOX_DPI, BBox

POINTS_PER_INCH = 72
PX_PER_POINT = PDF_BBOX_DPI / POINTS_PER_INCH
MIN_READABLE_SHARE = 0.5
"""Share of readable words a text layer needs: fonts without a Unicode map give ``(cid:12)``."""


@contextmanager
def open_pdf(path: Path, relative_path: str) -> Iterator[pdfium.PdfDocument]:
    """The document, or :class:`UnreadableFileError` saying why it cannot be opened; the
    process's pdfium lock (:data:`civreg.pdfium.PDFIUM_LOCK`) is held while it is open."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as err:
            if err.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise UnreadableFileError(
                    relative_path,
                    QuarantineReason.ENCRYPTED_PDF,
                    "PDF is encrypted (needs a password)",
                ) from err
            raise UnreadableFileError(
                relative_path, QuarantineReason.CORRUPT, f"PDF cannot be parsed ({err})"
            ) from err
        try:
            yield document
        finally:
            document.close()


def check_pdf(path: Path, relative_path: str, max_pages: int) -> int:
    """The page count of a readable PDF; every page is loaded once to prove it parses."""
    with open_pdf(path, relative_path) as document:
        pages = len(document)
        if pages == 0:
            raise UnreadableFileError(relative_path, QuarantineReason.CORRUPT, "PDF has no pages")
        if pages > max_pages:
            raise UnreadableFileError(
                relative_path,
                QuarantineReason.TOO_MANY_PAGES,
                f"PDF has {pages} pages, more than the limit of {max_pages}",
            )
        for index in range(pages):
            try:
                document[index].close()
            except pdfium.PdfiumError as err:
                raise UnreadableFileError(
                    relative_path, QuarantineReason.CORRUPT, f"page {index + 1} cannot be parsed"
                ) from err
        return pages


def page_scan(path: Path, relative_path: str, page_number: int, dpi: int) -> np.ndarray:
    """Page ``page_number`` (1-based) of a scanned PDF as a grey uint8 array at ``dpi``.

    A page that is nothing but one upright image covering it (what scanners write), scanned at
    ``dpi`` or finer, gives that image's own pixels (scaled down to ``dpi`` when finer, as
    rendering would): a scanned page rendered at 300 DPI costs ~0.25 s of CPU, its image taken
    out ~0.03 s, and rendering only resamples the scanner's pixels. The image is trusted only
    when a thumbnail drawn by pdfium looks like it (an image drawn inverted or in other colours
    would not). Any other page is rendered at ``dpi``, coarser scans included: read at their
    own DPI, generated degraded 200-DPI pages lost 0.3 points of fields read exactly.
    """
    with open_pdf(path, relative_path) as document:
        page = document[page_number - 1]
        try:
            scan = _embedded_scan(page, dpi)
            return scan if scan is not None else _render(page, dpi)
        finally:
            page.close()


def render_page(path: Path, relative_path: str, page_number: int, dpi: int) -> np.ndarray:
    """Page ``page_number`` (1-based) rendered to a grey uint8 array at ``dpi``."""
    with open_pdf(path, relative_path) as document:
        page = document[page_number - 1]
        try:
            return _render(page, dpi)
        finally:
            page.close()


def _render(page: pdfium.PdfPage, dpi: float) -> np.ndarray:
    bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
    array = bitmap.to_numpy()
    return np.ascontiguousarray(array[:, :, 0] if array.ndim == 3 else array)


SCAN_COVER_TOLERANCE_PT = 1.0
"""How far (points) the image's edges may lie from the page's and still cover it."""
SCAN_THUMBNAIL_DPI = 20
SCAN_THUMBNAIL_MAX_DIFFERENCE = 32.0
"""Mean grey-level difference above which the image is not what the page shows (measured on
generated scans: 1-12 for the page's own image, 200 and more for its negative)."""


def _embedded_scan(page: pdfium.PdfPage, dpi: int) -> np.ndarray | None:
    """The page's only image as a grey array at ``dpi``, or ``None`` (see :func:`page_scan`)."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    a, b, c, d, _, _ = image.get_matrix().get()
    if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or d <= 0:
        return None  # turned, sheared or mirrored: rendering places it right
    box = page.get_cropbox()
    bounds = image.get_bounds()
    edges = zip(bounds, box, strict=True)
    if any(abs(edge - page_edge) > SCAN_COVER_TOLERANCE_PT for edge, page_edge in edges):
        return None
    width_px, height_px = image.get_px_size()
    dpi_x = width_px * POINTS_PER_INCH / (box[2] - box[0])
    dpi_y = height_px * POINTS_PER_INCH / (box[3] - box[1])
    if abs(dpi_x / dpi_y - 1) > 0.01 or dpi_x < dpi * 0.99:
        return None
    try:
        grey = _grey(image.get_bitmap(render=False).to_numpy())
    except (pdfium.PdfiumError, ValueError):
        return None
    if grey is None or grey.shape != (height_px, width_px):
        return None
    if not _looks_like_page(page, grey):
        return None
    if dpi_x <= dpi * 1.01:
        return np.ascontiguousarray(grey)
    scale = dpi / dpi_x
    size = (max(1, round(width_px * scale)), max(1, round(height_px * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _looks_like_page(page: pdfium.PdfPage, grey: np.ndarray) -> bool:
    """Whether pdfium draws the page as ``grey`` looks, compared at a few pixels per inch.

    The thumbnail samples the image without smoothing (a smoothed one costs as much as
    decoding the image again); both are then averaged down to blocks a sixteenth of the
    thumbnail's, where sampling noise is a few grey levels and an image drawn inverted is off
    by two hundred.
    """
    scale = SCAN_THUMBNAIL_DPI / POINTS_PER_INCH
    thumbnail = _grey(page.render(scale=scale, grayscale=True, no_smoothimage=True).to_numpy())
    if thumbnail is None:
        return False
    drawn, embedded = _blocks(thumbnail, 4), _blocks(grey, grey.shape[1] // thumbnail.shape[1] * 4)
    height, width = min(drawn.shape[0], embedded.shape[0]), min(drawn.shape[1], embedded.shape[1])
    difference = cv2.absdiff(drawn[:height, :width], embedded[:height, :width])
    return difference.size > 0 and float(np.mean(difference)) <= SCAN_THUMBNAIL_MAX_DIFFERENCE


def _blocks(image: np.ndarray, side: int) -> np.ndarray:
    """Means of ``side`` x ``side`` blocks from the top-left (whole blocks only: OpenCV's
    fast path, a tenth of the time of a fractional scale on a full page)."""
    side = max(1, side)
    rows, cols = image.shape[0] // side, image.shape[1] // side
    if rows == 0 or cols == 0:
        return image[:0, :0]
    whole = image[: rows * side, : cols * side]
    return cv2.resize(whole, (cols, rows), interpolation=cv2.INTER_AREA)


def _grey(pixels: np.ndarray) -> np.ndarray | None:
    """A pdfium bitmap's pixels (grey, BGR, BGRx or BGRA) as grey, or ``None``."""
    if pixels.ndim == 2:
        return pixels
    channels = pixels.shape[2]
    if channels == 1:
        return pixels[:, :, 0]
    if channels == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2GRAY)
    return None


@dataclass(frozen=True)
class TextLayer:
    """What a born-digital page says, in 300-DPI pixels."""

    words: tuple[Word, ...]
    rulings: tuple[Ruling, ...]
    width: int
    height: int


def read_text_layer(path: Path, page_number: int, min_words: int) -> TextLayer | None:
    """The page's text layer, or ``None`` when it has too few readable words (a scan)."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_number - 1]
        words = _words(page)
        readable = sum(_readable(word.text) for word in words)
        if readable < min_words or readable < MIN_READABLE_SHARE * len(words):
            return None
        return TextLayer(
            words=tuple(words),
            rulings=tuple(_rulings(page)),
            width=_px(page.width),
            height=_px(page.height),
        )


def _px(points: float) -> int:
    return max(round(points * PX_PER_POINT), 0)


def _words(page: PlumberPage) -> list[Word]:
    words = []
    for raw in page.extract_words(keep_blank_chars=False, use_text_flow=False):
        text = unicodedata.normalize("NFC", raw["text"]).strip()
        if not text:
            continue
        x0, x1 = sorted((_px(raw["x0"]), _px(raw["x1"])))
        y0, y1 = sorted((_px(raw["top"]), _px(raw["bottom"])))
        words.append(Word(text, 1.0, BBox(x0=x0, y0=y0, x1=x1, y1=y1)))
    return words


def _readable(text: str) -> bool:
    return "(cid:" not in text and text.isprintable() and any(ch.isalnum() for ch in text)


def _rulings(page: PlumberPage) -> list[Ruling]:
    """Drawn lines and the edges of drawn rectangles, as rulings in 300-DPI pixels."""
    rulings = []
    for edge in page.edges:
        thickness = max(round(float(edge.get("linewidth") or 1) * PX_PER_POINT), 1)
        if edge["orientation"] == "h":
            start, end = sorted((_px(edge["x0"]), _px(edge["x1"])))
            position = _px((edge["top"] + edge["bottom"]) / 2)
            rulings.append(Ruling(Axis.HORIZONTAL, position, start, end, thickness))
        elif edge["orientation"] == "v":
            start, end = sorted((_px(edge["top"]), _px(edge["bottom"])))
            position = _px((edge["x0"] + edge["x1"]) / 2)
            rulings.append(Ruling(Axis.VERTICAL, position, start, end, thickness))
    return rulings
