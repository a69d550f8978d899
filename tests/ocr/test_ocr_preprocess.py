from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr import preprocess as preprocessing
from ocr.options import OcrOptions, OrientationMethod
from ocr.pages import PageImage, PageSource
from ocr.preprocess import estimate_skew, ink_for_skew, percentile_u8, preprocess
from ocr.sniff import FileKind
from schemas.values import BBox

SKEW_ANGLES = (-4.9, -3.7, -2.35, -1.1, -0.3, 0.45, 1.6, 2.05, 3.3, 4.8)
MAX_SKEW_ERROR = 0.2


def _page(image: np.ndarray, dpi: int = 150) -> PageImage:
    source = PageSource(Path("scan.png"), "scan.png", "0" * 64, FileKind.PNG, 1)
    return PageImage(source=source, image=image, dpi=dpi)


@pytest.fixture
def no_osd() -> OcrOptions:
    return OcrOptions(orientation=OrientationMethod.NONE)


def test_skew_of_text_pages_is_measured_within_a_fifth_of_a_degree(
    make_text_page: Callable, rotate: Callable
) -> None:
    pages = [make_text_page(lines=24), make_text_page(lines=4, size=40, first=3)]
    errors = [
        abs(estimate_skew(ink_for_skew(rotate(page, angle)), 8.0) - angle)
        for page in pages
        for angle in SKEW_ANGLES
    ]
    assert max(errors) <= MAX_SKEW_ERROR, errors


def test_skew_of_a_ruled_table_is_measured_within_a_fifth_of_a_degree(
    make_table: Callable, rotate: Callable
) -> None:
    table = make_table().image
    errors = [abs(estimate_skew(ink_for_skew(rotate(table, a)), 8.0) - a) for a in SKEW_ANGLES]
    assert max(errors) <= MAX_SKEW_ERROR, errors


def test_blank_page_has_no_skew() -> None:
    assert estimate_skew(np.zeros((500, 400), dtype=np.uint8), 8.0) == 0.0


def test_deskewed_table_gives_straight_cells(
    make_table: Callable, rotate: Callable, no_osd: OcrOptions
) -> None:
    table = make_table()
    result = preprocess(_page(rotate(table.image, 3.4)), no_osd)
    assert result.skew_corrected and abs(result.skew_degrees - 3.4) <= MAX_SKEW_ERROR
    grid = result.grid.grid
    assert grid is not None, result.grid.reason
    assert (grid.n_rows, grid.n_cols, grid.header_rows) == (7, 5, 2)
    drawn_gaps = np.diff(table.row_lines)
    assert np.abs(np.diff(grid.row_lines) - drawn_gaps).max() <= 3
    assert np.abs(np.diff(grid.col_lines) - np.diff(table.col_lines)).max() <= 3


def test_by_default_orientation_is_left_to_the_reader(
    make_text_page: Callable, rotate: Callable
) -> None:
    """OSD runs only once a page's layout is not understood (see ocr.extract): preprocessing
    alone leaves a page as it was scanned."""
    turned = np.ascontiguousarray(np.rot90(rotate(make_text_page(lines=14), 1.5), k=1))
    result = preprocess(_page(turned), OcrOptions())
    assert (result.rotation, result.orientation_confidence) == (0, None)
    assert abs(result.skew_degrees - 1.5) <= MAX_SKEW_ERROR


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_turned_pages_are_put_upright(
    make_text_page: Callable, rotate: Callable, quarter_turns: int
) -> None:
    upright = make_text_page(lines=14)
    turned = np.ascontiguousarray(np.rot90(rotate(upright, 1.5), k=quarter_turns))  # CCW turns
    result = preprocess(_page(turned), OcrOptions(orientation=OrientationMethod.OSD))
    assert result.rotation == (90 * quarter_turns) % 360
    assert abs(result.skew_degrees - 1.5) <= MAX_SKEW_ERROR
    # Upright again: text lines run across the page, so rows of the image differ far more
    # than columns, and the first text line is near the top.
    height, width = result.image.shape
    assert height > width
    ink_rows = np.nonzero((result.image < 128).any(axis=1))[0]
    assert ink_rows[0] < 0.1 * height


def test_upright_page_is_left_alone(make_text_page: Callable) -> None:
    page = make_text_page(lines=14)
    result = preprocess(_page(page), OcrOptions())
    assert result.rotation == 0 and not result.skew_corrected
    assert not (result.background_normalized or result.denoised or result.binarized)
    assert np.array_equal(result.image, page)
    assert result.grid.grid is None


def test_uneven_light_is_flattened_without_binarizing(
    make_text_page: Callable, no_osd: OcrOptions
) -> None:
    page = make_text_page(lines=10).astype(np.float32)
    height, width = page.shape
    light = 1.0 - 0.55 * np.linspace(0, 1, width)[None, :] * np.linspace(0.3, 1, height)[:, None]
    result = preprocess(_page(np.clip(page * light, 0, 255).astype(np.uint8)), no_osd)
    assert result.background_normalized and not result.binarized
    paper = result.image[result.image > 128]
    assert np.percentile(paper, 5) > 200  # the dark corner is white paper again


@pytest.mark.parametrize(("dpi", "binarized"), [(150, True), (300, False)])
def test_speckled_page_is_denoised_and_binarized_only_at_low_dpi(
    make_text_page: Callable, no_osd: OcrOptions, dpi: int, binarized: bool
) -> None:
    page = make_text_page(lines=10).astype(np.float32)
    faint = 255 - (255 - page) * 0.4
    noisy = faint + np.random.default_rng(7).normal(0, 25, page.shape)
    result = preprocess(_page(np.clip(noisy, 0, 255).astype(np.uint8), dpi), no_osd)
    assert result.denoised
    assert result.binarized is binarized
    if binarized:
        assert set(np.unique(result.image)) <= {0, 255}


def test_boxes_map_back_to_the_source_scan(make_text_page: Callable, rotate: Callable) -> None:
    upright = make_text_page(lines=14)
    cv2.rectangle(upright, (700, 1300), (760, 1360), 0, thickness=-1)  # a solid marker
    source = np.ascontiguousarray(np.rot90(rotate(upright, -2.5), k=1))
    result = preprocess(_page(source), OcrOptions(orientation=OrientationMethod.OSD))
    assert result.rotation == 90

    def marker(image: np.ndarray) -> BBox:
        _, ink = cv2.threshold(image, 128, 255, cv2.THRESH_BINARY_INV)
        _, _, stats, _ = cv2.connectedComponentsWithStats(ink)
        x, y, w, h, _ = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
        return BBox(x0=int(x), y0=int(y), x1=int(x + w), y1=int(y + h))

    found = marker(result.image)
    assert abs(found.width - 60) <= 3 and abs(found.height - 60) <= 3  # straight again
    mapped = result.to_source_box(found)
    truth = marker(source)
    assert max(abs(a - b) for a, b in zip(mapped.as_list(), truth.as_list(), strict=True)) <= 4


@pytest.mark.parametrize("q", [0, 2, 50, 90, 98, 100])
def test_percentile_from_the_histogram_is_numpys(q: float, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small chunks, so that the counts of several histogram calls are added up.
    monkeypatch.setattr(preprocessing, "HISTOGRAM_CHUNK_PIXELS", 5_000)
    rng = np.random.default_rng(int(q))
    for shape in [(1, 1), (3, 7), (97, 213), (400, 300)]:
        paper = rng.normal(215, 25, shape).clip(0, 255).astype(np.uint8)
        assert percentile_u8(paper, q) == pytest.approx(np.percentile(paper, q), abs=1e-9)
    white = np.full((200, 300), 255, dtype=np.uint8)
    white[:30] = 12
    assert percentile_u8(white, q) == pytest.approx(np.percentile(white, q), abs=1e-9)
