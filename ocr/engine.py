"""Text recognition behind a small interface, and the assignment of words to table cells.

The pipeline OCRs a page (or a strip) once and hands words to cells by their boxes: one
Tesseract start per cell costs ~6.5 s per page against < 1 s for one page call (MEASURED.md).
Only cells that need it are read again with :meth:`OcrEngine.recognize_region`, with a
configuration fitted to the field (digits only for numbers and dates, no dictionary for names).

Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``): parallelism comes from running one
process per core, several times faster than multi-threaded runs side by side.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol, TypeVar

import cv2
import numpy as np
import pytesseract

from civreg.errors import CivregError, MissingDependencyError
from ocr.options import OcrOptions
from schemas.values import BBox

APT_HINT = "install it with: sudo apt-get install tesseract-ocr tesseract-ocr-vie"
REGION_PADDING = 12
"""White margin (pixels) around a cropped region: Tesseract reads badly up to the image edge."""


class FieldKind(StrEnum):
    """What a region holds, which decides how it is recognised."""

    TEXT = "text"
    NAME = "name"  # no dictionary: names are not words of the language model
    NUMBER = "number"  # digits only (registration numbers, personal IDs, years)
    DATE = "date"  # digits and the separators of written dates


_KIND_CONFIG: Mapping[FieldKind, str] = {
    FieldKind.TEXT: "",
    FieldKind.NAME: "-c load_system_dawg=0 -c load_freq_dawg=0",
    FieldKind.NUMBER: "-c tessedit_char_whitelist=0123456789",
    FieldKind.DATE: "-c tessedit_char_whitelist=0123456789/.-",
}


@dataclass(frozen=True)
class Word:
    """A recognised word: text, confidence in [0, 1], and its box in page pixels.

    ``line_key`` groups the words the engine put on one line (``None`` when it does not say,
    e.g. for a PDF text layer); reading order is rebuilt from the boxes either way.
    """

    text: str
    confidence: float
    bbox: BBox
    line_key: tuple[int, ...] | None = None

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.bbox.x0 + self.bbox.x1) / 2, (self.bbox.y0 + self.bbox.y1) / 2)


class OcrEngine(Protocol):
    """What the pipeline needs from a recogniser."""

    def recognize_page(
        self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None
    ) -> list[Word]:
        """All words of a page (or strip) image, boxes in that image's pixels."""
        ...

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        """The words inside ``box`` of ``image``, boxes in the full image's pixels."""
        ...


class TesseractEngine:
    """:class:`OcrEngine` on Tesseract through pytesseract; construct once per process."""

    def __init__(self, options: OcrOptions) -> None:
        check_tesseract(options.tesseract_cmd, options.language)
        self.options = options

    def recognize_page(
        self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None
    ) -> list[Word]:
        return self._run(image, dpi=dpi, psm=psm or self.options.page_psm, extra="")

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        height, width = image.shape[:2]
        x0, y0 = max(box.x0, 0), max(box.y0, 0)
        x1, y1 = min(box.x1, width), min(box.y1, height)
        if x1 <= x0 or y1 <= y0:
            return []
        crop = image[y0:y1, x0:x1]
        padded = cv2.copyMakeBorder(
            crop, *([REGION_PADDING] * 4), cv2.BORDER_CONSTANT, value=_white(crop)
        )
        words = self._run(padded, dpi=dpi, psm=6, extra=_KIND_CONFIG[field_kind])
        shift_x, shift_y = x0 - REGION_PADDING, y0 - REGION_PADDING
        return [_shifted(word, shift_x, shift_y, width, height) for word in words]

    def _run(self, image: np.ndarray, *, dpi: int, psm: int, extra: str) -> list[Word]:
        _use_tesseract(self.options)
        config = f"--psm {psm} --dpi {dpi} {extra}".strip()
        try:
            with _image_file(image) as path:
                tsv = pytesseract.image_to_data(
                    path,
                    lang=self.options.language,
                    config=config,
                    output_type=pytesseract.Output.STRING,
                    timeout=self.options.tesseract_timeout,
                )
        except RuntimeError as err:  # pytesseract's timeout, TesseractError
            raise CivregError(
                f"Tesseract failed on a {image.shape[1]}x{image.shape[0]} image (psm {psm}): {err}"
            ) from err
        return words_from_tesseract_tsv(tsv)


@contextmanager
def _image_file(image: np.ndarray) -> Iterator[np.ndarray | str]:
    """A grey ``image`` as a temporary uncompressed PNM file (other images as they are).

    Handed an array, pytesseract writes a compressed PNG: ~0.2 s per page-sized image, up to a
    fifth of the Tesseract run it feeds. A PNM holds the same pixels, costs milliseconds to
    write, and Tesseract reads it as fast. Every image the pipeline reads is grey; colour ones
    keep pytesseract's own conversion.
    """
    if image.ndim != 2 or image.dtype != np.uint8:
        yield image
        return
    with tempfile.TemporaryDirectory(prefix="civreg-tess-") as folder:
        path = os.path.join(folder, "page.pgm")
        if not cv2.imwrite(path, np.ascontiguousarray(image)):
            raise CivregError(f"could not write a {image.shape[1]}x{image.shape[0]} image for OCR")
        yield path


TSV_COLUMNS = 12
"""level, page_num, block_num, par_num, line_num, word_num, left, top, width, height, conf, text"""


def words_from_tesseract_tsv(tsv: str) -> list[Word]:
    """Words from Tesseract's TSV output (non-word rows have conf -1).

    Parsed here rather than by pytesseract's ``Output.DICT``, which converts every cell of
    every row: ~10 ms a call, a quarter of the Python time of reading a page.
    """
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", TSV_COLUMNS - 1)
        if len(cells) < TSV_COLUMNS:
            continue
        # Whole percents, as Tesseract's API reports them (and pytesseract did for us).
        confidence = int(float(cells[10]))
        text = cells[11].strip()
        if confidence < 0 or not text:
            continue
        left, top = int(cells[6]), int(cells[7])
        box = BBox(x0=left, y0=top, x1=left + int(cells[8]), y1=top + int(cells[9]))
        line_key = (int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]))
        words.append(Word(text, min(confidence / 100.0, 1.0), box, line_key))
    return words


@lru_cache(maxsize=8)
def check_tesseract(tesseract_cmd: str, language: str) -> str:
    """Tesseract's version, or a :class:`MissingDependencyError` saying what to install."""
    pytesseract.pytesseract.tesseract_cmd = tesseract_cmd
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except pytesseract.TesseractNotFoundError as err:
        raise MissingDependencyError(
            f"Tesseract ({tesseract_cmd!r}) is not installed or not on PATH", hint=APT_HINT
        ) from err
    missing = [lang for lang in language.split("+") if lang not in languages]
    if missing:
        raise MissingDependencyError(
            f"Tesseract has no {'+'.join(missing)!r} language model "
            f"(installed: {', '.join(sorted(languages)) or 'none'})",
            hint=APT_HINT,
        )
    return version


@dataclass(frozen=True)
class Orientation:
    """How far a page is turned, from Tesseract's orientation detection."""

    rotate_clockwise: int  # 0, 90, 180 or 270: the rotation that makes the page upright
    confidence: float


def detect_orientation(image: np.ndarray, options: OcrOptions, *, dpi: int = 300) -> Orientation:
    """Tesseract OSD on ``image``; a page with too little text counts as upright."""
    check_tesseract(options.tesseract_cmd, "osd")
    _use_tesseract(options)
    try:
        result = pytesseract.image_to_osd(
            image,
            config=f"--psm 0 --dpi {dpi}",
            output_type=pytesseract.Output.DICT,
            timeout=options.tesseract_timeout,
        )
    except pytesseract.TesseractError as err:
        if "Too few characters" in str(err) or "Invalid resolution" in str(err):
            return Orientation(0, 0.0)
        raise CivregError(f"Tesseract orientation detection failed: {err}") from err
    return Orientation(int(result["rotate"]) % 360, float(result["orientation_conf"]))


def _use_tesseract(options: OcrOptions) -> None:
    # pytesseract starts Tesseract with this process's environment and a module-level command.
    os.environ["OMP_THREAD_LIMIT"] = str(options.tesseract_threads)
    pytesseract.pytesseract.tesseract_cmd = options.tesseract_cmd


def _white(image: np.ndarray) -> int | tuple[int, int, int]:
    return 255 if image.ndim == 2 else (255, 255, 255)


def _shifted(word: Word, dx: int, dy: int, width: int, height: int) -> Word:
    box = word.bbox
    moved = BBox(
        x0=min(max(box.x0 + dx, 0), width),
        y0=min(max(box.y0 + dy, 0), height),
        x1=min(max(box.x1 + dx, 0), width),
        y1=min(max(box.y1 + dy, 0), height),
    )
    return Word(word.text, word.confidence, moved, word.line_key)


class HasBox(Protocol):
    """Anything with a page box, e.g. a table cell."""

    @property
    def box(self) -> BBox: ...


CellT = TypeVar("CellT", bound=HasBox)


def assign_words_to_cells(words: Iterable[Word], cells: Iterable[CellT]) -> dict[CellT, list[Word]]:
    """Each word goes to the cell holding its centre; each cell's words in reading order.

    Every cell is a key (an empty list for a blank cell); words outside all cells are left out.
    When cells overlap (they should not), the smallest one holding the centre wins.
    """
    cell_list = sorted(cells, key=lambda cell: cell.box.width * cell.box.height)
    assigned: dict[CellT, list[Word]] = {cell: [] for cell in cell_list}
    for word in words:
        x, y = word.centre
        for cell in cell_list:
            box = cell.box
            if box.x0 <= x < box.x1 and box.y0 <= y < box.y1:
                assigned[cell].append(word)
                break
    return {cell: reading_order(cell_words) for cell, cell_words in assigned.items()}


def group_lines(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into text lines (top to bottom), each line left to right.

    A word joins a line when its vertical centre lies within half a line height of the line's
    centre: robust to diacritics that make some boxes taller, and needs no engine line numbers.
    """
    lines: list[list[Word]] = []
    sums: list[list[float]] = []  # per line: the sums of its words' centres and heights
    for word in sorted(words, key=lambda w: (w.centre[1], w.bbox.x0)):
        centre_y = word.centre[1]
        for line, line_sums in zip(lines, sums, strict=True):
            count = len(line)
            line_centre = line_sums[0] / count
            line_height = line_sums[1] / count
            if abs(centre_y - line_centre) <= max(line_height, 1) / 2:
                line.append(word)
                line_sums[0] += centre_y
                line_sums[1] += word.bbox.height
                break
        else:
            lines.append([word])
            sums.append([0.0 + centre_y, 0 + word.bbox.height])
    lines.sort(key=lambda line: min(w.bbox.y0 for w in line))
    return [sorted(line, key=lambda w: w.bbox.x0) for line in lines]


def reading_order(words: Iterable[Word]) -> list[Word]:
    """Words line by line, each line left to right."""
    return [word for line in group_lines(words) for word in line]


def join_text(words: Iterable[Word]) -> str:
    """The words' text in reading order; a cell wrapped onto two lines reads as one line."""
    return " ".join(word.text for word in reading_order(words))
