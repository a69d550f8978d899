"""Recognition of a preprocessed page: few Tesseract calls, words handed to cells by their boxes.

Measured on generated register pages (Tesseract 5.3, ``vie``; clean 300-DPI table, 357 cells):

- whole page, ``--psm 3``: 26% of cells exact (merged columns, lost digits), ~10 s CPU;
- whole page, ``--psm 6`` after erasing the rulings: 47% (a table row is not a text line:
  one-line and wrapped cells sit at different heights); ``--psm 3`` after erasing: 79%, 20 s;
- one ``--psm 6`` call per *column strip* of the body, rulings erased: 95%, and 99% once the
  page is scaled so that letters are ~20 px high (the ``vie`` model reads "1993" as "1995"
  at 30 px and right at 15-25 px), for ~5 s CPU, half the whole-page call.

So a table is read as: the title and header band once (``--psm 11``, sparse text: the header
cells are scattered blocks), then each body column once with the settings of its field
(:func:`ocr.labels.field_kind`), then only the cells that need it again: blank cells with ink
in them and cells with a doubtful word. A form page (no grid) is read in one page call
(``--psm 3``: on a speckled form, ``--psm 6`` reads the noise beside each value as words).

Before any of it the canvas is cleaned: speckle away from writing is painted out (Tesseract
reads it as stray dots, colons and dashes), and poor scans are binarized after scaling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.engine import FieldKind, OcrEngine, Word, assign_words_to_cells, join_text
from ocr.grid import Cell, Grid, remove_lines
from ocr.options import BinarizePolicy, OcrOptions
from ocr.preprocess import PreprocessedPage, paper_level
from schemas.values import BBox

TARGET_GLYPH_PX = 20.0
"""Letter height (px, see :func:`glyph_height`) the page is scaled to before recognition."""
MIN_SCALE, MAX_SCALE = 0.35, 1.6
NO_SCALE_WITHIN = 0.1
"""Pages within this share of the target size are read as they are (scaling costs time)."""
REREAD_BELOW = 0.6
"""A cell whose least confident word is below this confidence is read again on its own."""
BAND_PSM = 11
"""Sparse-text segmentation for the title and header band: scattered, centred labels."""
INK_DARKER_BY = 60
"""Grey levels below the paper that count as ink when deciding whether a blank cell is empty."""
INK_MIN_GLYPH_AREAS = 0.25
"""A cell holds writing when its ink covers at least this many glyph-height squares."""
CELL_INSET_PX = 4
"""Pixels left out at a cell's edge when looking for ink: remains of an erased ruling."""
MAX_REREAD_SHARE = 0.15
"""At most this share of a page's cells (or :data:`MIN_REREADS`) is read a second time."""
MIN_REREADS = 12
ONE_LINE_GLYPHS = 3.2
"""A region less than this many glyph heights tall holds one line of text."""
LINE_PADDING_PX = 12
ISOLATED_SPECK_GLYPH_SHARE = 0.04
"""Blobs up to this share of a glyph square are speckle when no writing is near them."""
NEAR_WRITING_GLYPHS = 0.8
"""How far (in glyph heights) from a letter a small blob still counts as one of its marks."""
SPECK_GLYPH_SHARE = 0.012
"""Ink blobs smaller than this share of a glyph-height square are speckle, not writing: at
300 DPI ~10 px, where the dot under "ệ" is ~25 px. Left in, Tesseract reads them as stray
dots, colons and dashes inside cells."""


@dataclass(frozen=True)
class Canvas:
    """What the recogniser reads: the page with its rulings erased, scaled for Tesseract.

    ``page`` is at the preprocessed page's resolution (all boxes are in its pixels); ``image``
    is ``page`` scaled by ``scale``, at ``dpi``.
    """

    page: np.ndarray
    image: np.ndarray
    scale: float
    dpi: int
    glyph_px: float
    paper: int

    def to_canvas(self, box: BBox) -> BBox:
        height, width = self.image.shape[:2]
        return BBox(
            x0=min(max(round(box.x0 * self.scale), 0), width),
            y0=min(max(round(box.y0 * self.scale), 0), height),
            x1=min(max(round(box.x1 * self.scale), 0), width),
            y1=min(max(round(box.y1 * self.scale), 0), height),
        )

    def from_canvas(self, word: Word) -> Word:
        box = word.bbox
        height, width = self.page.shape[:2]
        back = BBox(
            x0=min(round(box.x0 / self.scale), width),
            y0=min(round(box.y0 / self.scale), height),
            x1=min(round(box.x1 / self.scale), width),
            y1=min(round(box.y1 / self.scale), height),
        )
        return Word(word.text, word.confidence, back, word.line_key)


def make_canvas(
    image: np.ndarray, dpi: int, grid: Grid | None = None, *, binarize: bool = False
) -> Canvas:
    """The page (grey uint8) ready for recognition: rulings erased, speckle removed, letters
    ~20 px high, and black on white (Otsu) when ``binarize``: binarizing *after* scaling
    keeps the marks that a threshold at scan resolution breaks (see :func:`wants_binary`)."""
    page = remove_lines(image, grid) if grid is not None else image
    glyph = glyph_height(image) or TARGET_GLYPH_PX * dpi / 300
    page = remove_specks(page, glyph)
    scale = min(max(TARGET_GLYPH_PX / glyph, MIN_SCALE), MAX_SCALE)
    if abs(scale - 1.0) < NO_SCALE_WITHIN:
        scale, scaled = 1.0, page
    else:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        scaled = cv2.resize(page, None, fx=scale, fy=scale, interpolation=interpolation)
    if binarize:
        _, scaled = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return Canvas(
        page=page,
        image=np.ascontiguousarray(scaled),
        scale=scale,
        dpi=max(round(dpi * scale), 1),
        glyph_px=float(glyph),
        paper=paper_level(page),
    )


def glyph_height(grey: np.ndarray) -> float | None:
    """The height of the page's letters: the area-weighted median height of letter-shaped ink
    blobs, or ``None`` on a page without any.

    Weighted by area because speckle outnumbers letters on a bad scan: the plain median of blob
    heights said 12 px on a noisy page whose letters are 34 px high.
    """
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    areas = stats[1:, cv2.CC_STAT_AREA]
    letters = (heights >= 4) & (heights <= grey.shape[0] / 20) & (widths <= 4 * heights)
    if np.count_nonzero(letters) < 20:
        return None
    order = np.argsort(heights[letters])
    sorted_heights, weights = heights[letters][order], np.cumsum(areas[letters][order])
    return float(sorted_heights[np.searchsorted(weights, weights[-1] / 2)])


def wants_binary(prepared: PreprocessedPage, options: OcrOptions) -> bool:
    """Whether the canvas is binarized: as :class:`~ocr.options.BinarizePolicy` says, where
    ``auto`` means speckled pages that are also low-resolution or unevenly lit (a poor scan,
    even when a PDF renders it at 300 DPI).

    Measured on generated pages (fields exact): degraded 200-DPI tables 91.5% binarized by
    preprocessing, 94.6% binarized on the canvas; a severe scanned PDF 62% grey, 71%
    binarized; clean and mild 300-DPI tables lose 4-8 points when binarized at all.
    """
    if options.binarize is BinarizePolicy.ALWAYS:
        return True
    if options.binarize is BinarizePolicy.NEVER:
        return False
    poor = prepared.dpi < options.binarize_below_dpi or prepared.background_normalized
    return prepared.denoised and poor


def preprocess_options(options: OcrOptions) -> OcrOptions:
    """The options preprocessing runs with: binarization is left to the canvas."""
    return options.model_copy(update={"binarize": BinarizePolicy.NEVER})


def remove_specks(image: np.ndarray, glyph_px: float) -> np.ndarray:
    """A copy of ``image`` with speckle painted as paper.

    A blob is speckle when it is small (below :data:`SPECK_GLYPH_SHARE` of a glyph square) or,
    up to :data:`ISOLATED_SPECK_GLYPH_SHARE`, when it lies away from any writing: the dot of
    an "i" or under an "ệ" is as small as speckle but always sits next to its letter.
    """
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    tiny = areas <= max(2.0, SPECK_GLYPH_SHARE * glyph_px**2)
    small = areas <= max(4.0, ISOLATED_SPECK_GLYPH_SHARE * glyph_px**2)
    tiny[0] = small[0] = False  # the background
    if not small.any():
        return image
    writing = (~small[labels]) & (labels > 0)
    reach = max(3, round(NEAR_WRITING_GLYPHS * glyph_px)) | 1
    near = cv2.dilate(
        writing.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))
    )
    kept = np.zeros(count, dtype=bool)
    kept[np.unique(labels[(near > 0) & small[labels]])] = True
    speck = tiny | (small & ~kept)
    cleaned = image.copy()
    cleaned[speck[labels]] = paper_level(image)
    return cleaned


def read_band(engine: OcrEngine, canvas: Canvas, box: BBox, psm: int = BAND_PSM) -> list[Word]:
    """Words of a horizontal band of the page (title and header), in page pixels."""
    scaled = canvas.to_canvas(box)
    if scaled.width < 2 or scaled.height < 2:
        return []
    crop = np.ascontiguousarray(canvas.image[scaled.y0 : scaled.y1, scaled.x0 : scaled.x1])
    words = engine.recognize_page(crop, dpi=canvas.dpi, psm=psm)
    shifted = [_shift(word, scaled.x0, scaled.y0) for word in words]
    return [canvas.from_canvas(word) for word in shifted]


def read_page(engine: OcrEngine, canvas: Canvas, psm: int) -> list[Word]:
    """Every word of the page in one call, in page pixels."""
    words = engine.recognize_page(canvas.image, dpi=canvas.dpi, psm=psm)
    return [canvas.from_canvas(word) for word in words]


def read_region(engine: OcrEngine, canvas: Canvas, box: BBox, kind: FieldKind) -> list[Word]:
    """The words of one region read on their own with the settings of ``kind``."""
    scaled = canvas.to_canvas(box)
    if scaled.width < 2 or scaled.height < 2:
        return []
    words = engine.recognize_region(canvas.image, scaled, kind, dpi=canvas.dpi)
    return [canvas.from_canvas(word) for word in words]


def column_strip(grid: Grid, col: int, first_row: int) -> BBox:
    """The body part of a grid column, from ``first_row`` to the bottom of the table."""
    return BBox(
        x0=grid.col_lines[col],
        y0=grid.row_lines[first_row],
        x1=grid.col_lines[col + 1],
        y1=grid.row_lines[-1],
    )


def read_columns(
    engine: OcrEngine, canvas: Canvas, grid: Grid, kinds: Mapping[int, FieldKind], first_row: int
) -> list[Word]:
    """Each listed column's body read in one call with the settings of its field."""
    words: list[Word] = []
    for col, kind in sorted(kinds.items()):
        words.extend(read_region(engine, canvas, column_strip(grid, col, first_row), kind))
    return words


@dataclass(frozen=True)
class Reading:
    """The text of a cell or form value, its confidence and where its words were found."""

    text: str
    confidence: float
    words: tuple[Word, ...]
    reread: bool = False
    blank: bool = False
    doubtful: bool = False  # wants a second reading (blank with ink, or a doubtful word)


def field_confidence(words: Sequence[Word]) -> float:
    """A field is as doubtful as its most doubtful word."""
    return min((word.confidence for word in words), default=1.0)


def has_ink(canvas: Canvas, box: BBox) -> bool:
    """Whether a region holds writing (enough dark pixels, away from its edges)."""
    inner = BBox(
        x0=box.x0 + CELL_INSET_PX,
        y0=box.y0 + CELL_INSET_PX,
        x1=max(box.x0 + CELL_INSET_PX, box.x1 - CELL_INSET_PX),
        y1=max(box.y0 + CELL_INSET_PX, box.y1 - CELL_INSET_PX),
    )
    crop = canvas.page[inner.y0 : inner.y1, inner.x0 : inner.x1]
    if crop.size == 0:
        return False
    dark = int(np.count_nonzero(crop < canvas.paper - INK_DARKER_BY))
    return dark >= INK_MIN_GLYPH_AREAS * canvas.glyph_px**2


def first_reading(canvas: Canvas, box: BBox, words: Sequence[Word]) -> Reading:
    """The reading from the words assigned to a region; ``doubtful`` when it needs another.

    A region needs another reading when it came out blank but holds ink, or when one of its
    words is doubtful (below :data:`REREAD_BELOW`).
    """
    words = tuple(words)
    confidence = field_confidence(words)
    if words:
        return Reading(join_text(words), confidence, words, doubtful=confidence < REREAD_BELOW)
    if has_ink(canvas, box):
        return Reading("", 0.0, (), doubtful=True)
    return Reading("", 1.0, (), blank=True)


def settle(
    engine: OcrEngine, canvas: Canvas, box: BBox, kind: FieldKind, words: Sequence[Word]
) -> Reading:
    """The reading of a region from its words, read again on its own when it needs it."""
    reading = first_reading(canvas, box, words)
    return reread(engine, canvas, box, kind, reading) if reading.doubtful else reading


def reread(
    engine: OcrEngine, canvas: Canvas, box: BBox, kind: FieldKind, first: Reading
) -> Reading:
    """A region read on its own: first with the settings of its field, then, for a one-line
    region still in doubt, as a single text line (``--psm 7``: a lone digit is often lost to
    ``--psm 6``). The most confident of the readings wins."""
    readings = [first.words] if first.words else []
    again = _inside_box(read_region(engine, canvas, box, kind), box)
    if again:
        readings.append(again)
    best = max(readings, key=_mean_confidence, default=())
    if field_confidence(best) < REREAD_BELOW and box.height < ONE_LINE_GLYPHS * canvas.glyph_px:
        line = _inside_box(read_line(engine, canvas, box), box)
        if line and (not best or _mean_confidence(line) > _mean_confidence(best)):
            best = line
    if not best:
        return Reading("", 0.0, (), reread=True)
    return Reading(join_text(best), field_confidence(best), best, reread=True)


def read_line(engine: OcrEngine, canvas: Canvas, box: BBox, psm: int = 7) -> list[Word]:
    """A region cut out and read on its own, by default as one text line (``--psm 7``), in
    page pixels; ``psm=11`` reads it as sparse text (a lone short word: "SỐ")."""
    scaled = canvas.to_canvas(box)
    if scaled.width < 2 or scaled.height < 2:
        return []
    crop = canvas.image[scaled.y0 : scaled.y1, scaled.x0 : scaled.x1]
    padded = cv2.copyMakeBorder(
        crop, *([LINE_PADDING_PX] * 4), cv2.BORDER_CONSTANT, value=canvas.paper
    )
    words = engine.recognize_page(padded, dpi=canvas.dpi, psm=psm)
    shift_x, shift_y = scaled.x0 - LINE_PADDING_PX, scaled.y0 - LINE_PADDING_PX
    return [canvas.from_canvas(_shift(word, shift_x, shift_y)) for word in words]


def _inside_box(words: Iterable[Word], box: BBox) -> tuple[Word, ...]:
    return tuple(word for word in words if _inside(word, box))


def read_cells(
    engine: OcrEngine,
    canvas: Canvas,
    cells: Mapping[Cell, FieldKind],
    words: Iterable[Word],
) -> dict[Cell, Reading]:
    """Words handed to cells by their centres; the cells that need it read again on their own.

    At most :data:`MAX_REREAD_SHARE` of the cells (the most doubtful first) are read again: on a
    page that bad, more calls cost minutes and gain little; its low confidences send it to
    review instead.
    """
    assigned = assign_words_to_cells(words, cells)
    readings = {cell: first_reading(canvas, cell.box, assigned[cell]) for cell in cells}
    doubtful = sorted(
        (cell for cell, reading in readings.items() if reading.doubtful),
        key=lambda cell: (readings[cell].confidence, cell.row, cell.col),
    )
    budget = max(MIN_REREADS, round(MAX_REREAD_SHARE * len(cells)))
    for cell in doubtful[:budget]:
        readings[cell] = reread(engine, canvas, cell.box, cells[cell], readings[cell])
    return readings


def _inside(word: Word, box: BBox) -> bool:
    x, y = word.centre
    return box.x0 <= x < box.x1 and box.y0 <= y < box.y1


def _mean_confidence(words: Sequence[Word]) -> float:
    return sum(word.confidence for word in words) / len(words) if words else 0.0


def _shift(word: Word, dx: int, dy: int) -> Word:
    box = word.bbox
    moved = BBox(x0=box.x0 + dx, y0=box.y0 + dy, x1=box.x1 + dx, y1=box.y1 + dy)
    return Word(word.text, word.confidence, moved, word.line_key)
