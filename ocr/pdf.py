"""PDF files: validity checks, the text layer of born-digital pages, rendering of scanned ones.

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

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page as PlumberPage

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
    """The document, or :class:`UnreadableFileError` saying why it cannot be opened."""
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as err:
        if err.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise UnreadableFileError(
                relative_path, QuarantineReason.ENCRYPTED_PDF, "PDF is encrypted (needs a password)"
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


def render_page(path: Path, relative_path: str, page_number: int, dpi: int) -> np.ndarray:
    """Page ``page_number`` (1-based) rendered to a grey uint8 array at ``dpi``."""
    with open_pdf(path, relative_path) as document:
        page = document[page_number - 1]
        try:
            bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
            array = bitmap.to_numpy()
            return np.ascontiguousarray(array[:, :, 0] if array.ndim == 3 else array)
        finally:
            page.close()


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
