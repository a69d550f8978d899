from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw

from civreg.errors import MissingDependencyError
from ocr.engine import (
    FieldKind,
    TesseractEngine,
    Word,
    assign_words_to_cells,
    check_tesseract,
    group_lines,
    join_text,
    words_from_tesseract_tsv,
)
from ocr.grid import detect_grid
from ocr.options import OcrOptions
from schemas.values import BBox


def _word(text: str, *box: int) -> Word:
    return Word(text, 0.9, BBox.from_list(box))


def _draw_line(text: str, font_for: Callable, *, size: int = 40, width: int = 1400) -> np.ndarray:
    image = Image.new("L", (width, size * 3), 255)
    ImageDraw.Draw(image).text((30, size), text, font=font_for(size), fill=0)
    return np.asarray(image).copy()


def test_words_go_to_the_cell_holding_their_centre_in_reading_order(
    make_table: Callable, fake_engine_factory: Callable
) -> None:
    table = make_table()
    grid = detect_grid(table.image).grid
    assert grid is not None
    # Words as an engine would report them, in a scrambled order; the wrapped cell (row 3,
    # column 4) has two lines, and one word lies outside the table (the title).
    wrapped = grid.cell_at(3, 4).box
    top_line_y, bottom_line_y = wrapped.y0 + 20, wrapped.y0 + 52
    words = [
        _word("sản", wrapped.x0 + 12, bottom_line_y, wrapped.x0 + 60, bottom_line_y + 26),
        _word("Phụ", wrapped.x0 + 200, top_line_y + 2, wrapped.x0 + 250, top_line_y + 28),
        _word("Bệnh", wrapped.x0 + 12, top_line_y, wrapped.x0 + 80, top_line_y + 26),
        _word("Nội", wrapped.x0 + 130, bottom_line_y, wrapped.x0 + 170, bottom_line_y + 26),
        _word("viện", wrapped.x0 + 100, top_line_y - 3, wrapped.x0 + 160, top_line_y + 26),
        _word("Hà", wrapped.x0 + 75, bottom_line_y + 1, wrapped.x0 + 110, bottom_line_y + 27),
        _word("SỔ", 80, 50, 120, 80),
    ]
    name_cell = grid.cell_at(3, 1).box
    words.append(
        _word("Trần", name_cell.x0 + 12, name_cell.y0 + 30, name_cell.x0 + 80, name_cell.y0 + 58)
    )
    engine = fake_engine_factory(words)

    assigned = assign_words_to_cells(engine.recognize_page(table.image), grid.cells)

    assert set(assigned) == set(grid.cells)
    assert join_text(assigned[grid.cell_at(3, 4)]) == "Bệnh viện Phụ sản Hà Nội"
    assert [w.text for w in assigned[grid.cell_at(3, 1)]] == ["Trần"]
    assert sum(len(v) for v in assigned.values()) == 7  # the title word belongs to no cell
    assert assigned[grid.cell_at(6, 0)] == []


def test_group_lines_keeps_tall_diacritic_words_on_their_line() -> None:
    words = [
        _word("Nguyễn", 10, 96, 120, 130),  # tall: tilde and circumflex above
        _word("Thị", 130, 102, 180, 130),
        _word("Hồng", 190, 95, 270, 130),
        _word("Nhung", 10, 140, 110, 168),
    ]
    assert [[w.text for w in line] for line in group_lines(words)] == [
        ["Nguyễn", "Thị", "Hồng"],
        ["Nhung"],
    ]


def _lines_by_recomputed_means(words: list[Word]) -> list[list[Word]]:
    """group_lines as first written: each line's mean centre and height summed afresh."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.centre[1], w.bbox.x0)):
        for line in lines:
            centre = sum(w.centre[1] for w in line) / len(line)
            height = sum(w.bbox.height for w in line) / len(line)
            if abs(word.centre[1] - centre) <= max(height, 1) / 2:
                line.append(word)
                break
        else:
            lines.append([word])
    lines.sort(key=lambda line: min(w.bbox.y0 for w in line))
    return [sorted(line, key=lambda w: w.bbox.x0) for line in lines]


def test_group_lines_with_running_sums_groups_as_recomputed_means_do() -> None:
    rng = random.Random(11)
    for _ in range(200):
        words = []
        for index in range(rng.randint(0, 40)):
            x, y = rng.randint(0, 900), rng.randint(0, 400)
            words.append(_word(f"w{index}", x, y, x + rng.randint(5, 80), y + rng.randint(8, 45)))
        assert group_lines(words) == _lines_by_recomputed_means(words)


def test_tesseract_tsv_becomes_words_with_unit_confidence() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num"
    header += "\tleft\ttop\twidth\theight\tconf\ttext"
    tsv = "\n".join(
        [
            header,
            "1\t1\t0\t0\t0\t0\t0\t0\t900\t300\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t5\t40\t30\t96.52\tHà",
            "5\t1\t1\t1\t1\t2\t60\t6\t50\t29\t88\tNội",
            "5\t1\t1\t1\t2\t1\t60\t46\t50\t29\t91.25\t ",
            "5\t1\t2\t1\t1\t1\t7\t80\t30\t29\t100.0\tSố 7",
        ]
    )
    words = words_from_tesseract_tsv(tsv)
    assert [(w.text, w.confidence, w.bbox.as_list(), w.line_key) for w in words] == [
        ("Hà", 0.96, [10, 5, 50, 35], (1, 1, 1, 1)),
        ("Nội", 0.88, [60, 6, 110, 35], (1, 1, 1, 1)),
        ("Số 7", 1.0, [7, 80, 37, 109], (1, 2, 1, 1)),
    ]


def _words_from_pytesseract_dict(data: dict[str, list]) -> list[Word]:
    """pytesseract's own parse of the same output, as words (the reference for the TSV)."""
    words = []
    for index, raw_text in enumerate(data["text"]):
        confidence, text = float(data["conf"][index]), (raw_text or "").strip()
        if confidence < 0 or not text:
            continue
        left, top = int(data["left"][index]), int(data["top"][index])
        box = BBox(
            x0=left,
            y0=top,
            x1=left + int(data["width"][index]),
            y1=top + int(data["height"][index]),
        )
        key = tuple(int(data[k][index]) for k in ("page_num", "block_num", "par_num", "line_num"))
        words.append(Word(text, min(confidence / 100.0, 1.0), box, key))
    return words


def test_missing_tesseract_or_language_says_what_to_install() -> None:
    with pytest.raises(MissingDependencyError, match="not installed") as missing_program:
        check_tesseract("/nonexistent/tesseract", "vie")
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in str(missing_program.value)
    with pytest.raises(MissingDependencyError, match="no 'xyz' language model"):
        check_tesseract("tesseract", "xyz")


@pytest.fixture(scope="module")
def tesseract() -> TesseractEngine:
    return TesseractEngine(OcrOptions())


def test_tesseract_reads_a_clean_vietnamese_line(
    tesseract: TesseractEngine, font_for: Callable
) -> None:
    text = "Nguyễn Thị Hồng Nhung sinh tại Hà Nội"
    image = _draw_line(text, font_for)
    words = tesseract.recognize_page(image, psm=7)
    assert unicodedata.normalize("NFC", join_text(words)) == text
    assert all(0.5 < w.confidence <= 1.0 for w in words)
    first = words[0].bbox
    assert 20 <= first.x0 <= 40 and 30 <= first.y0 <= 60  # boxes in the image's pixels


def test_tesseract_digits_only_region(tesseract: TesseractEngine, font_for: Callable) -> None:
    label, number = "Số ĐDCN: ", "001190012345"
    image = _draw_line(label + number, font_for, size=40, width=900)
    # The region holds only the number; the digits config cannot return letters.
    start = 30 + round(font_for(40).getlength(label))
    region = BBox(x0=start - 6, y0=20, x1=890, y1=110)
    words = tesseract.recognize_region(image, region, FieldKind.NUMBER)
    assert "".join(w.text for w in words) == number
    assert all(region.x0 - 12 <= w.bbox.x0 and w.bbox.x1 <= region.x1 + 12 for w in words)


def test_engine_reads_exactly_what_tesseract_reads_from_the_array(
    tesseract: TesseractEngine, font_for: Callable
) -> None:
    """The engine hands Tesseract an uncompressed file: same pixels, so the very same words
    (text, confidence, boxes) as pytesseract's own PNG hand-off of the array."""
    import pytesseract

    image = _draw_line("Số 12/2015 Trần Văn Bình, phường Đông Hà", font_for, width=1500)
    image = np.ascontiguousarray(image[:, 10:])  # a view's strides must not matter
    words = tesseract.recognize_page(image, dpi=300, psm=6)
    data = pytesseract.image_to_data(
        image, lang="vie", config="--psm 6 --dpi 300", output_type=pytesseract.Output.DICT
    )
    assert words and words == _words_from_pytesseract_dict(data)
    # A non-contiguous crop (a region) is read as the same pixels copied out.
    region = BBox(x0=100, y0=0, x1=1200, y1=image.shape[0])
    crop = image[:, region.x0 : region.x1]
    assert tesseract.recognize_page(crop, psm=6) == tesseract.recognize_page(
        np.ascontiguousarray(crop), psm=6
    )
