"""Recognition: the canvas Tesseract reads, column strips, cells read again only when needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.engine import FieldKind, TesseractEngine, Word
from ocr.grid import Grid, detect_grid
from ocr.options import OcrOptions
from ocr.recognize import (
    MIN_REREADS,
    REREAD_BELOW,
    STACK_GAP_GLYPHS,
    TARGET_GLYPH_PX,
    Canvas,
    column_strip,
    field_confidence,
    has_ink,
    make_canvas,
    read_cells,
    read_columns,
    remove_specks,
    settle,
)
from schemas.values import BBox

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


class ScriptedEngine:
    """An OCR engine double: each region call returns the next scripted answer, page calls the
    page words; every call is recorded."""

    def __init__(self, page: Sequence[Word] = (), regions: Sequence[Sequence[Word]] = ()) -> None:
        self.page = list(page)
        self.regions = [list(answer) for answer in regions]
        self.region_calls: list[tuple[BBox, FieldKind]] = []
        self.page_calls: list[int | None] = []

    def recognize_page(
        self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None
    ) -> list[Word]:
        self.page_calls.append(psm)
        return list(self.page)

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        self.region_calls.append((box, field_kind))
        return self.regions.pop(0) if self.regions else []


def blank_canvas(width: int = 1200, height: int = 800) -> Canvas:
    page = np.full((height, width), 255, dtype=np.uint8)
    return Canvas(page=page, image=page, scale=1.0, dpi=300, glyph_px=20.0, paper=255)


def word(text: str, x: int, y: int, confidence: float = 0.95) -> Word:
    return Word(text, confidence, BBox(x0=x, y0=y, x1=x + 20 * len(text), y1=y + 22))


def test_the_canvas_has_no_rulings_and_letters_about_20_px_high(
    make_table: Callable[..., object],
) -> None:
    table = make_table()
    grid = detect_grid(table.image).grid
    assert grid is not None
    canvas = make_canvas(table.image, 300, grid)
    assert canvas.scale == 1.0  # the drawn letters are ~19 px already
    for y in table.row_lines:  # each ruling row of pixels is now paper, bar letters crossing it
        assert np.count_nonzero(canvas.page[y] < 128) < 0.05 * canvas.page.shape[1]

    doubled = cv2.resize(table.image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    big = make_canvas(doubled, 600, detect_grid(doubled).grid)
    assert big.scale == pytest.approx(TARGET_GLYPH_PX / big.glyph_px)
    assert 0.45 < big.scale < 0.75
    assert big.dpi == round(600 * big.scale)
    assert big.image.shape[1] == round(doubled.shape[1] * big.scale)


def test_specks_away_from_writing_are_removed_and_diacritics_kept() -> None:
    image = Image.new("L", (900, 300), 255)
    draw = ImageDraw.Draw(image)
    from PIL import ImageFont

    draw.text((40, 40), "Bệnh viện Phụ sản", font=ImageFont.truetype(FONT, 40), fill=0)
    pixels = np.asarray(image).copy()
    text_ink = np.count_nonzero(pixels[20:120] < 128)
    rng = np.random.default_rng(1)
    for _ in range(60):  # 2x2 specks in the empty lower half
        y, x = int(rng.integers(160, 290)), int(rng.integers(10, 890))
        pixels[y : y + 2, x : x + 2] = 0
    cleaned = remove_specks(pixels, glyph_px=30.0)
    assert np.count_nonzero(cleaned[150:] < 128) == 0
    assert np.count_nonzero(cleaned[20:120] < 128) == text_ink  # every dot and mark kept


def test_ink_is_found_in_a_written_cell_only() -> None:
    canvas = blank_canvas()
    canvas.page[100:120, 100:180] = 0
    assert has_ink(canvas, BBox(x0=90, y0=90, x1=200, y1=130))
    assert not has_ink(canvas, BBox(x0=300, y0=90, x1=400, y1=130))
    canvas.page[300:302, 300:400] = 0  # the remains of an erased ruling, at the cell's edge
    assert not has_ink(canvas, BBox(x0=290, y0=299, x1=410, y1=340))


def test_columns_of_one_kind_are_stacked_and_read_in_one_call(
    make_table: Callable[..., object],
) -> None:
    table = make_table()
    grid: Grid = detect_grid(table.image).grid
    canvas = make_canvas(table.image, 300, grid)
    strips = {col: canvas.to_canvas(column_strip(grid, col, 2)) for col in range(grid.n_cols)}
    gap = round(STACK_GAP_GLYPHS * canvas.glyph_px * canvas.scale)
    # The TEXT stack holds column 2 on top, then column 4: answer with a word in column 4.
    below = strips[2].height + gap + 10
    engine = ScriptedEngine(regions=[[], [], [word("Hà", 5, below)]])
    kinds = {0: FieldKind.NUMBER, 1: FieldKind.NAME, 2: FieldKind.TEXT, 4: FieldKind.TEXT}
    words = read_columns(engine, canvas, grid, kinds, first_row=2)
    assert [kind for _, kind in engine.region_calls] == [
        FieldKind.NUMBER,
        FieldKind.NAME,
        FieldKind.TEXT,
    ]
    stacked = engine.region_calls[2][0]
    assert stacked.height == strips[2].height + gap + strips[4].height + gap
    (found,) = words
    assert found.text == "Hà"
    x, y = found.centre
    strip = column_strip(grid, 4, 2)
    assert strip.x0 <= x < strip.x1 and strip.y0 <= y < strip.y1


def test_cells_are_read_again_only_when_they_need_it() -> None:
    canvas = blank_canvas()
    grid = detect_grid(_ruled(canvas.page, rows=1, cols=4)).grid
    assert grid is not None
    cells = sorted(grid.cells, key=lambda c: c.col)
    sure, blank, inked, doubtful = cells
    canvas.page[inked.box.y0 + 20 : inked.box.y0 + 40, inked.box.x0 + 20 : inked.box.x0 + 90] = 0
    words = [
        word("1990", sure.box.x0 + 10, sure.box.y0 + 20),
        word("Nguyen", doubtful.box.x0 + 10, doubtful.box.y0 + 20, confidence=0.3),
    ]
    second_for_inked = [word("12", inked.box.x0 + 20, inked.box.y0 + 20, confidence=0.9)]
    second_for_doubtful = [word("Nguyễn", doubtful.box.x0 + 10, doubtful.box.y0 + 20, 0.9)]
    # The doubtful cell (lowest confidence) is read again first, then the inked blank one.
    engine = ScriptedEngine(regions=[second_for_inked, second_for_doubtful])
    kinds = dict.fromkeys(cells, FieldKind.TEXT)
    readings = read_cells(engine, canvas, kinds, words)
    assert [call[0] for call in engine.region_calls] == [inked.box, doubtful.box]
    assert (readings[sure].text, readings[sure].reread) == ("1990", False)
    assert (readings[blank].text, readings[blank].blank, readings[blank].confidence) == (
        "",
        True,
        1.0,
    )
    assert (readings[inked].text, readings[inked].reread) == ("12", True)
    assert readings[doubtful].text == "Nguyễn"


def test_a_second_reading_less_sure_than_the_first_is_dropped() -> None:
    canvas = blank_canvas()
    box = BBox(x0=100, y0=100, x1=600, y1=400)  # several lines high: no single-line third try
    first = [word("Hoàng", 120, 120, confidence=0.5)]
    engine = ScriptedEngine(regions=[[word("Hoang", 120, 120, confidence=0.2)]])
    reading = settle(engine, canvas, box, FieldKind.NAME, first)
    assert (reading.text, reading.confidence, reading.reread) == ("Hoàng", 0.5, True)
    assert engine.region_calls == [(box, FieldKind.NAME)]
    assert engine.page_calls == []


def test_a_doubtful_one_line_cell_is_also_read_as_a_single_line() -> None:
    canvas = blank_canvas()
    box = BBox(x0=100, y0=100, x1=300, y1=150)
    engine = ScriptedEngine(page=[word("3", 40, 20, confidence=0.9)])
    reading = settle(engine, canvas, box, FieldKind.NUMBER, [word("8", 120, 110, 0.2)])
    assert engine.page_calls == [7]
    assert reading.text == "3"
    assert reading.words[0].bbox.x0 == 100 + 40 - 12  # back on the page, padding removed


def test_rereads_are_capped_on_a_ruined_page() -> None:
    canvas = blank_canvas(2400, 1600)
    grid = detect_grid(_ruled(canvas.page, rows=10, cols=10)).grid
    assert grid is not None
    words = [word("xx", c.box.x0 + 5, c.box.y0 + 10, confidence=0.1) for c in grid.cells]
    engine = ScriptedEngine()
    readings = read_cells(engine, canvas, dict.fromkeys(grid.cells, FieldKind.TEXT), words)
    assert len(engine.region_calls) == max(MIN_REREADS, round(0.15 * len(grid.cells)))
    assert sum(r.doubtful and not r.reread for r in readings.values()) == 100 - len(
        engine.region_calls
    )


def test_a_field_is_as_doubtful_as_its_least_sure_word() -> None:
    assert field_confidence([word("a", 0, 0, 0.9), word("b", 0, 0, 0.4)]) == 0.4
    assert field_confidence([]) == 1.0
    assert REREAD_BELOW < 0.9


def test_real_tesseract_reads_the_columns_of_a_drawn_table(
    make_table: Callable[..., object], ocr_options: OcrOptions
) -> None:
    table = make_table()
    grid = detect_grid(table.image).grid
    canvas = make_canvas(table.image, 300, grid)
    engine = TesseractEngine(ocr_options)
    kinds = {0: FieldKind.NUMBER, 1: FieldKind.NAME, 2: FieldKind.TEXT, 4: FieldKind.TEXT}
    words = read_columns(engine, canvas, grid, kinds, first_row=2)
    body = {cell: kinds[cell.col] for cell in grid.body_cells if cell.col in kinds}
    readings = read_cells(engine, canvas, body, words)
    read = {(cell.row, cell.col): reading.text for cell, reading in readings.items()}
    expected = {key: text for key, text in table.texts.items() if key[0] >= 2 and key[1] in kinds}
    assert read == expected


def _ruled(page: np.ndarray, *, rows: int, cols: int) -> np.ndarray:
    """Draw a rows x cols grid of 200 x 120 cells on ``page`` (in place) and return a copy."""
    for r in range(rows + 1):
        page[40 + 120 * r : 43 + 120 * r, 40 : 43 + 200 * cols] = 0
    for c in range(cols + 1):
        page[40 : 43 + 120 * rows, 40 + 200 * c : 43 + 200 * c] = 0
    ruled = page.copy()
    page[:] = 255  # the canvas keeps no rulings: they are erased before recognition
    return ruled


class _SeeingEngine(ScriptedEngine):
    """Keeps the pixels of each region it is asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[np.ndarray] = []

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        self.seen.append(image[box.y0 : box.y1, box.x0 : box.x1].copy())
        return super().recognize_region(image, box, field_kind, dpi=dpi)


def test_a_blank_cell_with_faint_ink_is_read_again_black_on_white() -> None:
    canvas = blank_canvas()
    box = BBox(x0=100, y0=100, x1=300, y1=150)
    canvas.page[115:135, 190:194] = 170  # a pale, thin "1": too little ink for the old test
    assert has_ink(canvas, box)
    engine = _SeeingEngine()
    reading = settle(engine, canvas, box, FieldKind.NUMBER, [])
    assert reading.reread
    (region,) = engine.seen
    assert set(np.unique(region)) == {0, 255}  # thresholded on its own, not the page's paper
    assert np.count_nonzero(region == 0) == 80
    assert canvas.image[120, 192] == 170  # the canvas itself is left as it was
    assert engine.page_calls == [7]  # still blank: tried as a single line too
