from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ocr.grid import (
    Axis,
    Ruling,
    detect_grid,
    grid_from_rulings,
    ink_mask,
    remove_lines,
)

TOLERANCE = 3  # pixels


def _close(found: tuple[int, ...], drawn: list[int]) -> bool:
    return len(found) == len(drawn) and all(
        abs(f - d) <= TOLERANCE for f, d in zip(found, drawn, strict=True)
    )


def test_drawn_table_gives_its_rows_columns_and_merged_cells(make_table: Callable) -> None:
    table = make_table()
    detection = detect_grid(table.image)
    grid = detection.grid
    assert grid is not None, detection.reason
    assert _close(grid.row_lines, table.row_lines), (grid.row_lines, table.row_lines)
    assert _close(grid.col_lines, table.col_lines), (grid.col_lines, table.col_lines)
    assert (grid.n_rows, grid.n_cols) == (7, 5)
    assert grid.header_rows == table.header_rows == 2

    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in grid.cells}
    expected = {(r, c): (1, 1) for r in range(7) for c in range(5)}
    for (row, col), (row_span, col_span) in table.merged.items():
        for r in range(row, row + row_span):
            for c in range(col, col + col_span):
                expected.pop((r, c))
        expected[(row, col)] = (row_span, col_span)
    assert spans == expected
    assert {(c.row, c.col) for c in grid.header_cells} == {
        (0, 0),
        (0, 1),
        (0, 3),
        (0, 4),
        (1, 1),
        (1, 2),
    }
    assert len(grid.body_rows()) == 5 and all(len(row) == 5 for row in grid.body_rows())

    # The wrapped body cell and the two-line header cell are single cells holding both lines.
    wrapped = grid.cell_at(3, 4)
    assert (wrapped.row, wrapped.col, wrapped.row_span) == (3, 4, 1)
    header = grid.cell_at(1, 3)
    assert (header.row, header.row_span) == (0, 2)
    for box in table.text_boxes:
        centre_x, centre_y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        holders = [
            c
            for c in grid.cells
            if c.box.x0 <= centre_x < c.box.x1 and c.box.y0 <= centre_y < c.box.y1
        ]
        if centre_y > grid.row_lines[0]:  # the title is above the table
            assert len(holders) == 1


def test_title_underline_and_text_are_not_rulings_of_the_table(make_table: Callable) -> None:
    table = make_table()
    image = table.image.copy()
    cv2.line(image, (80, 100), (1200, 100), 0, 3)  # underline under the title, crosses nothing
    grid = detect_grid(image).grid
    assert grid is not None
    assert _close(grid.row_lines, table.row_lines)


def test_page_without_grid_is_reported_as_such(make_text_page: Callable) -> None:
    detection = detect_grid(make_text_page(lines=10))
    assert detection.grid is None
    assert "no rul" in detection.reason


def test_form_with_underlined_fields_has_no_grid(make_text_page: Callable) -> None:
    page = make_text_page(lines=6)
    for y in (160, 260, 360):
        cv2.line(page, (700, y), (1150, y), 0, 2)
    detection = detect_grid(page)
    assert detection.grid is None
    assert "no ruled table" in detection.reason


def test_faint_table_in_uneven_light_is_found(make_table: Callable) -> None:
    table = make_table()
    height, width = table.image.shape
    light = np.linspace(1.0, 0.55, width)[None, :] * np.ones((height, 1))
    faint = 255 - (255 - table.image.astype(float)) * 0.5
    image = np.clip(faint * light, 0, 255).astype(np.uint8)
    grid = detect_grid(image).grid
    assert grid is not None
    assert _close(grid.row_lines, table.row_lines) and _close(grid.col_lines, table.col_lines)


def test_remove_lines_erases_rulings_and_keeps_text(make_table: Callable) -> None:
    table = make_table()
    grid = detect_grid(table.image).grid
    assert grid is not None
    cleaned = remove_lines(table.image, grid)

    assert detect_grid(cleaned).grid is None
    ink_before = ink_mask(table.image) > 0
    ink_after = ink_mask(cleaned) > 0
    for box in table.text_boxes:
        region = (slice(box.y0, box.y1), slice(box.x0, box.x1))
        kept = np.count_nonzero(ink_after[region]) / max(np.count_nonzero(ink_before[region]), 1)
        assert kept > 0.97, (box, kept)
    # Ink left on the ruling bands is only text that crosses them, a few pixels at most.
    for y in grid.row_lines:
        band = ink_after[y - 2 : y + 3, grid.col_lines[0] : grid.col_lines[-1]]
        assert np.count_nonzero(band.any(axis=0)) < 0.05 * band.shape[1]


def test_pdf_style_rulings_build_the_same_grid() -> None:
    rows, cols = [100, 160, 260, 340], [50, 200, 600]
    rulings = [Ruling(Axis.HORIZONTAL, y, cols[0], cols[-1], 2) for y in rows]
    rulings += [Ruling(Axis.VERTICAL, x, rows[0], rows[-1], 2) for x in cols]
    # A rectangle drawn twice (edges duplicated), as born-digital PDFs often do.
    rulings += [Ruling(Axis.HORIZONTAL, rows[0] + 1, cols[0], cols[-1], 2)]
    grid = grid_from_rulings(rulings, width=800, height=600).grid
    assert grid is not None
    assert _close(grid.row_lines, rows) and _close(grid.col_lines, cols)
    assert len(grid.cells) == 6 and grid.header_rows == 1


def test_segments_labelled_in_the_ink_box_are_those_of_the_whole_mask(
    make_table: Callable,
) -> None:
    """Ruling segments are labelled within the box holding the mask's ink: the same segments,
    at the same positions, as labelling the whole page."""
    from ocr.grid import _line_mask, _segments

    table = make_table()
    ink = ink_mask(table.image)
    min_length = max(15, round(min(ink.shape) / 40))
    padded = cv2.copyMakeBorder(ink, 37, 51, 23, 64, cv2.BORDER_CONSTANT, value=0)
    for axis in Axis:
        mask = _line_mask(padded, axis, min_length)
        count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        expected = set()
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            along, across = (w, h) if axis is Axis.HORIZONTAL else (h, w)
            if along >= min_length and across <= along:
                centre = centroids[label][1 if axis is Axis.HORIZONTAL else 0]
                start = x if axis is Axis.HORIZONTAL else y
                thickness = max(1, round(area / along))
                expected.add(Ruling(axis, round(centre), start, start + along, thickness))
        found = _segments(mask, axis, min_length)
        assert expected and set(found) == expected and len(found) == len(expected)
    assert _segments(np.zeros_like(ink), Axis.HORIZONTAL, min_length) == []


def test_remove_lines_with_the_detections_line_mask_erases_the_same_pixels(
    make_table: Callable,
) -> None:
    table = make_table()
    detection = detect_grid(table.image)
    assert detection.grid is not None and detection.line_mask is not None
    reused = remove_lines(table.image, detection.grid, line_mask=detection.line_mask)
    assert np.array_equal(reused, remove_lines(table.image, detection.grid))
    assert not np.array_equal(reused, table.image)
    # A mask of another page's size is not trusted: the lines are found again.
    other = np.zeros((10, 10), dtype=np.uint8)
    assert np.array_equal(remove_lines(table.image, detection.grid, line_mask=other), reused)
