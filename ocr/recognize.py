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
(:func:`ocr.labels.field_kind`; columns of one kind stacked into one call), then only the
cells that need it again: blank cells with ink in them and cells with a doubtful word, each
thresholded on its own (faint print the page-wide threshold lost comes back). A form page (no
grid) is read in one page call (``--psm 3``: on a speckled form, ``--psm 6`` reads the noise
beside each value as words).

Before any of it the canvas is cleaned: speckle away from writing is painted out (Tesseract
reads it as stray dots, colons and dashes), and poor scans are binarized after scaling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.components import connected_components
from ocr.engine import FieldKind, OcrEngine, Word, assign_words_to_cells, join_text
from ocr.grid import Cell, Grid, remove_lines
from ocr.options import BinarizePolicy, OcrOptions
from ocr.preprocess import (
    PreprocessedPage,
    estimate_background,
    normalize_background,
    paper_level,
)
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
INK_MIN_GLYPH_AREAS = 0.12
"""A cell holds writing when its ink covers at least this many glyph-height squares (a lone
"1" or a pale "7" covers 0.15-0.2)."""
CELL_INSET_PX = 4
"""Pixels left out at a cell's edge when looking for ink: remains of an erased ruling."""
MAX_REREAD_SHARE = 0.15
"""At most this share of a page's cells (or :data:`MIN_REREADS`) is read a second time."""
MIN_REREADS = 12
ONE_LINE_GLYPHS = 3.2
"""A region less than this many glyph heights tall holds one line of text."""
LINE_PADDING_PX = 12
STACK_GAP_GLYPHS = 2.0
"""White between stacked column strips, in glyph heights: two empty lines."""
MAX_STACK_PX = 20_000
"""Tallest stack of strips read in one call (Tesseract keeps coordinates in 16 bits)."""
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
    binary: bool = False  # ``image`` is black on white already

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
    image: np.ndarray,
    dpi: int,
    grid: Grid | None = None,
    *,
    binarize: bool = False,
    line_mask: np.ndarray | None = None,
) -> Canvas:
    """The page (grey uint8) ready for recognition: rulings erased, paper evened out, speckle
    removed, letters ~20 px high, and black on white (Otsu) when ``binarize``: binarizing
    *after* scaling keeps the marks that a threshold at scan resolution breaks (see
    :func:`wants_binary`).

    The paper is always evened out (cheap, and harmless on white paper): Tesseract thresholds
    the whole image at once, and faint print on a gently shaded scan (below preprocessing's
    uneven-light threshold) lost a whole table header to it. ``line_mask`` is the grid
    detection's (:class:`~ocr.grid.GridDetection`) when it was found on ``image``.
    """
    page = normalize_background(image, estimate_background(image))
    if grid is not None:
        # Painted white: on paper already evened out to white.
        page = remove_lines(page, grid, line_mask=line_mask)
    blobs = _Blobs.of(page)  # found once: both the glyph height and speckle removal need them
    glyph = blobs.glyph_height(page.shape[0]) or TARGET_GLYPH_PX * dpi / 300
    page = blobs.without_specks(page, glyph)
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
        binary=binarize,
    )


def ink_of(grey: np.ndarray) -> np.ndarray:
    """Ink (255) by Otsu's threshold, on a page whose paper has been evened out.

    Measured against a threshold halfway between paper and darkest ink: 92.7% against 90.2%
    of fields exact on degraded pages (the halfway threshold takes speckle grain for ink).
    """
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def glyph_height(grey: np.ndarray) -> float | None:
    """The height of the page's letters: the area-weighted median height of letter-shaped ink
    blobs, or ``None`` on a page without any.

    Weighted by area because speckle outnumbers letters on a bad scan: the plain median of blob
    heights said 12 px on a noisy page whose letters are 34 px high.
    """
    return _Blobs.of(grey).glyph_height(grey.shape[0])


@dataclass(frozen=True)
class _Blobs:
    """The ink blobs of a page (Otsu ink, 8-connected): labels and statistics."""

    count: int
    labels: np.ndarray
    stats: np.ndarray

    @classmethod
    def of(cls, grey: np.ndarray) -> _Blobs:
        count, labels, stats, _ = connected_components(ink_of(grey))
        return cls(count, labels, stats)

    def glyph_height(self, page_height: int) -> float | None:
        heights = self.stats[1:, cv2.CC_STAT_HEIGHT]
        widths = self.stats[1:, cv2.CC_STAT_WIDTH]
        areas = self.stats[1:, cv2.CC_STAT_AREA]
        letters = (heights >= 4) & (heights <= page_height / 20) & (widths <= 4 * heights)
        if np.count_nonzero(letters) < 20:
            return None
        order = np.argsort(heights[letters])
        sorted_heights, weights = heights[letters][order], np.cumsum(areas[letters][order])
        return float(sorted_heights[np.searchsorted(weights, weights[-1] / 2)])

    def without_specks(self, image: np.ndarray, glyph_px: float) -> np.ndarray:
        """See :func:`remove_specks`; ``image`` is the page these blobs were found on."""
        labels, areas = self.labels, self.stats[:, cv2.CC_STAT_AREA]
        tiny = areas <= max(2.0, SPECK_GLYPH_SHARE * glyph_px**2)
        small = areas <= max(4.0, ISOLATED_SPECK_GLYPH_SHARE * glyph_px**2)
        tiny[0] = small[0] = False  # the background
        if not small.any():
            return image
        # A small blob is kept when writing lies within reach of its box: one integral image
        # of the writing answers every blob's question at once, where a distance transform
        # of the page cost as much as the labelling and one full-page pass per blob table.
        is_writing = (~small).view(np.uint8)
        is_writing[0] = 0  # the background
        summed = cv2.integral(is_writing[labels])
        reach = max(1, round(NEAR_WRITING_GLYPHS * glyph_px))
        height, width = labels.shape
        candidates = np.flatnonzero(small & ~tiny)
        box = self.stats[candidates]
        x0 = np.clip(box[:, cv2.CC_STAT_LEFT] - reach, 0, width)
        y0 = np.clip(box[:, cv2.CC_STAT_TOP] - reach, 0, height)
        x1 = np.clip(box[:, cv2.CC_STAT_LEFT] + box[:, cv2.CC_STAT_WIDTH] + reach, 0, width)
        y1 = np.clip(box[:, cv2.CC_STAT_TOP] + box[:, cv2.CC_STAT_HEIGHT] + reach, 0, height)
        near = summed[y1, x1] - summed[y0, x1] - summed[y1, x0] + summed[y0, x0] > 0
        kept = np.zeros(self.count, dtype=bool)
        kept[candidates[near]] = True
        speck = tiny | (small & ~kept)
        cleaned = image.copy()
        cleaned[speck[labels]] = paper_level(image)
        return cleaned


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
    return _Blobs.of(image).without_specks(image, glyph_px)


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


def read_region(
    engine: OcrEngine, canvas: Canvas, box: BBox, kind: FieldKind, *, binarize: bool = False
) -> list[Word]:
    """The words of one region read on their own with the settings of ``kind``; with
    ``binarize``, the region black on white by its own Otsu threshold first."""
    scaled = canvas.to_canvas(box)
    if scaled.width < 2 or scaled.height < 2:
        return []
    image = canvas.image
    if binarize and not canvas.binary:
        image = image.copy()  # a few MB: cheap beside a Tesseract run
        region = image[scaled.y0 : scaled.y1, scaled.x0 : scaled.x1]
        cv2.threshold(region, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU, dst=region)
    words = engine.recognize_region(image, scaled, kind, dpi=canvas.dpi)
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
    """Each listed column's body read with the settings of its field.

    The columns of one kind are stacked one under the other, white between them, and read in
    one call: every Tesseract start costs ~0.13 s, a fifth of a column's reading.
    """
    by_kind: dict[FieldKind, list[BBox]] = {}
    for col, kind in sorted(kinds.items()):
        by_kind.setdefault(kind, []).append(canvas.to_canvas(column_strip(grid, col, first_row)))
    words: list[Word] = []
    for kind, strips in by_kind.items():
        for stack in _stacks(strips, gap=round(STACK_GAP_GLYPHS * canvas.glyph_px * canvas.scale)):
            words.extend(_read_stack(engine, canvas, stack, kind))
    return words


@dataclass(frozen=True)
class _Stack:
    """Canvas regions placed one under another: region i starts at ``offsets[i]``."""

    regions: tuple[BBox, ...]
    offsets: tuple[int, ...]
    width: int
    height: int


def _stacks(regions: Sequence[BBox], gap: int) -> list[_Stack]:
    """Regions grouped into stacks no taller than :data:`MAX_STACK_PX`."""
    stacks: list[_Stack] = []
    group: list[BBox] = []
    offsets: list[int] = []
    top = 0
    for region in regions:
        if group and top + region.height > MAX_STACK_PX:
            stacks.append(_Stack(tuple(group), tuple(offsets), max(r.width for r in group), top))
            group, offsets, top = [], [], 0
        group.append(region)
        offsets.append(top)
        top += region.height + gap
    if group:
        stacks.append(_Stack(tuple(group), tuple(offsets), max(r.width for r in group), top))
    return stacks


def _read_stack(engine: OcrEngine, canvas: Canvas, stack: _Stack, kind: FieldKind) -> list[Word]:
    image = np.full((stack.height, stack.width), canvas.paper, dtype=canvas.image.dtype)
    for region, offset in zip(stack.regions, stack.offsets, strict=True):
        crop = canvas.image[region.y0 : region.y1, region.x0 : region.x1]
        image[offset : offset + crop.shape[0], : crop.shape[1]] = crop
    whole = BBox(x0=0, y0=0, x1=stack.width, y1=stack.height)
    words: list[Word] = []
    for word in engine.recognize_region(image, whole, kind, dpi=canvas.dpi):
        centre = word.centre[1]
        index = max(i for i, offset in enumerate(stack.offsets) if offset <= centre or i == 0)
        region = stack.regions[index]
        moved = _shift(word, region.x0, region.y0 - stack.offsets[index])
        words.append(canvas.from_canvas(moved))
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
    region still in doubt (or still blank), as a single text line (``--psm 7``: a lone digit
    is often lost to ``--psm 6``). The most confident of the readings wins."""
    readings = [first.words] if first.words else []
    # A region with ink is read black on white by its own threshold: faint print that the
    # page-wide threshold lost (a lone pale "3") comes out whole.
    binarize = has_ink(canvas, box)
    again = _inside_box(read_region(engine, canvas, box, kind, binarize=binarize), box)
    if again:
        readings.append(again)
    best = max(readings, key=_mean_confidence, default=())
    doubt = not best or field_confidence(best) < REREAD_BELOW
    if doubt and box.height < ONE_LINE_GLYPHS * canvas.glyph_px:
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
