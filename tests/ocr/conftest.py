"""Fixtures of the OCR tests: generated Vietnamese pages, ruled tables and a fake OCR engine.

Pages are drawn with Pillow and DejaVu Sans (it has every Vietnamese diacritic); each generator
returns the ground truth it drew, so tests check positions and text against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import FieldKind, Word
from ocr.options import OcrOptions
from schemas.values import BBox

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

VIETNAMESE_LINES = (
    "Sổ đăng ký khai sinh năm 1990 phường Quảng An quận Tây Hồ",
    "Họ và tên: Nguyễn Thị Hồng Nhung, sinh ngày 05 tháng 03 năm 1990",
    "Nơi sinh: Bệnh viện Phụ sản Hà Nội, quê quán xã Đông Anh",
    "Họ tên mẹ: Trần Thị Mai, năm sinh 1965, dân tộc Kinh",
    "Họ tên cha: Lê Văn Hùng, năm sinh 1962, quốc tịch Việt Nam",
    "Người đi khai sinh: Lê Văn Hùng, quan hệ với người được khai sinh: cha",
    "Ghi chú: đăng ký lại theo quyết định của ủy ban nhân dân phường",
    "Số định danh cá nhân 001190012345 cấp ngày 12 tháng 8 năm 2016",
)


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def text_page(
    *, width: int = 1240, height: int = 1754, size: int = 28, lines: int = 24, first: int = 0
) -> np.ndarray:
    """A grey page of Vietnamese text lines (about 150 DPI for A4 at the default size)."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    typeface = font(size)
    margin = width // 14
    y = margin
    for index in range(lines):
        if y > height - margin - size:
            break
        text = VIETNAMESE_LINES[(first + index) % len(VIETNAMESE_LINES)]
        draw.text((margin, y), text, font=typeface, fill=0)
        y += int(size * 1.8)
    return np.asarray(image).copy()


def rotate_page(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned counter-clockwise by ``degrees`` on a canvas that keeps the corners."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(image, matrix, (new_width, new_height), borderValue=255)


@dataclass
class DrawnTable:
    """A ruled table drawn on a page, with the truth of what was drawn."""

    image: np.ndarray
    row_lines: list[int]
    col_lines: list[int]
    header_rows: int
    merged: dict[tuple[int, int], tuple[int, int]]  # (row, col) -> (row_span, col_span)
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # cell -> text as drawn
    text_boxes: list[BBox] = field(default_factory=list)


def draw_table(
    *,
    width: int = 1700,
    height: int = 1200,
    col_widths: Sequence[int] = (120, 420, 260, 150, 420),
    header_heights: Sequence[int] = (60, 110),
    body_height: int = 90,
    body_rows: int = 5,
    line_width: int = 3,
    size: int = 26,
) -> DrawnTable:
    """A register-like table: a title, a two-level header (one cell spanning two columns,
    header cells on two text lines), and body rows, one of them with a cell wrapped on two lines.

    Columns: Số | Họ và tên | Ngày sinh | Giới tính | Nơi sinh; "Người được khai sinh" spans
    "Họ và tên" and "Ngày sinh" in the first header row, the other header cells span both rows.
    """
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    typeface = font(size)
    left, top = 80, 160
    draw.text((left, 50), "SỔ ĐĂNG KÝ KHAI SINH — phường Quảng An, năm 1990", font=typeface, fill=0)
    col_lines = [left]
    for col_width in col_widths:
        col_lines.append(col_lines[-1] + col_width)
    row_lines = [top]
    for row_height in [*header_heights, *[body_height] * body_rows]:
        row_lines.append(row_lines[-1] + row_height)
    right, bottom = col_lines[-1], row_lines[-1]

    # Horizontal rulings: full width, except the one between the header rows, which only runs
    # under the spanning cell (columns 1-2).
    for index, y in enumerate(row_lines):
        x0, x1 = (col_lines[1], col_lines[3]) if index == 1 else (left, right)
        draw.line([(x0, y), (x1, y)], fill=0, width=line_width)
    # Vertical rulings: full height, except the one between columns 1 and 2, which starts at
    # the second header row (the spanning cell sits above it).
    for index, x in enumerate(col_lines):
        y0 = row_lines[1] if index == 2 else top
        draw.line([(x, y0), (x, bottom)], fill=0, width=line_width)

    merged = {(0, 0): (2, 1), (0, 1): (1, 2), (0, 3): (2, 1), (0, 4): (2, 1)}
    texts: dict[tuple[int, int], str] = {}
    text_boxes: list[BBox] = []

    def put(row: int, col: int, lines: Sequence[str]) -> None:
        row_span, _ = merged.get((row, col), (1, 1))
        x = col_lines[col] + 12
        cell_top = row_lines[row]
        cell_height = row_lines[row + row_span] - cell_top
        block = len(lines) * int(size * 1.3)
        y = cell_top + (cell_height - block) // 2
        for line in lines:
            box = draw.textbbox((x, y), line, font=typeface)
            draw.text((x, y), line, font=typeface, fill=0)
            text_boxes.append(BBox.from_list([int(v) for v in box]))
            y += int(size * 1.3)
        texts[(row, col)] = " ".join(lines)

    put(0, 0, ["Số"])
    put(0, 1, ["Người được khai sinh"])
    put(0, 3, ["Giới", "tính"])  # a header on two text lines
    put(0, 4, ["Nơi sinh"])
    put(1, 1, ["Họ và tên"])
    put(1, 2, ["Ngày sinh"])
    people = [
        ("1", "Nguyễn Thị Hồng", "05/03/1990", "Nữ", "Hà Nội"),
        ("2", "Trần Văn Minh", "12/04/1990", "Nam", "Bệnh viện Phụ sản"),
        ("3", "Lê Thị Thu Hà", "01/05/1990", "Nữ", "Đông Anh"),
        ("4", "Phạm Đức Anh", "20/06/1990", "Nam", "Tây Hồ"),
        ("5", "Vũ Ngọc Lan", "30/07/1990", "Nữ", "Ba Đình"),
    ]
    for offset, person in enumerate(people[:body_rows]):
        row = len(header_heights) + offset
        for col, text in enumerate(person):
            if (row, col) == (len(header_heights) + 1, 4):
                put(row, col, ["Bệnh viện Phụ", "sản Hà Nội"])  # wrapped cell
            else:
                put(row, col, [text])
    return DrawnTable(
        image=np.asarray(image).copy(),
        row_lines=row_lines,
        col_lines=col_lines,
        header_rows=len(header_heights),
        merged=merged,
        texts=texts,
        text_boxes=text_boxes,
    )


class FakeEngine:
    """An :class:`ocr.engine.OcrEngine` that returns the words it was given (no Tesseract)."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.words = list(words)
        self.region_calls: list[tuple[BBox, FieldKind]] = []

    def recognize_page(
        self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None
    ) -> list[Word]:
        return list(self.words)

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        self.region_calls.append((box, field_kind))
        return [
            word
            for word in self.words
            if box.x0 <= word.centre[0] < box.x1 and box.y0 <= word.centre[1] < box.y1
        ]


@pytest.fixture
def ocr_options(tmp_path: Path) -> OcrOptions:
    """Options with a private quarantine folder and small limits."""
    return OcrOptions(
        quarantine_dir=tmp_path / "quarantine", max_image_pixels=4_000_000, max_pdf_pages=5
    )


@pytest.fixture
def make_text_page() -> Callable[..., np.ndarray]:
    return text_page


@pytest.fixture
def make_table() -> Callable[..., DrawnTable]:
    return draw_table


@pytest.fixture
def rotate() -> Callable[[np.ndarray, float], np.ndarray]:
    return rotate_page


@pytest.fixture
def font_for() -> Callable[[int], ImageFont.FreeTypeFont]:
    return font


@pytest.fixture
def fake_engine_factory() -> Callable[[Sequence[Word]], FakeEngine]:
    return FakeEngine
