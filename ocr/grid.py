"""Ruling grids of register tables: lines, rows, columns and cells (merged cells included).

Scanned pages give their rulings by morphology (long thin runs of ink); born-digital PDFs give
them as drawn line and rectangle edges. Both become :class:`Ruling` segments and go through the
same :func:`grid_from_rulings`, so layout reads scanned and born-digital tables alike.

A cell is bounded by rulings, not by text: a name wrapped onto two lines inside one ruled row
stays one cell, and a header cell spanning columns (no ruling between them) is one merged cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import cv2
import numpy as np

from ocr.components import connected_components
from schemas.values import BBox

MIN_BOUNDARY_COVERAGE = 0.5
"""A cell boundary is ruled when rulings cover at least this share of it."""


class Axis(StrEnum):
    HORIZONTAL = "h"
    VERTICAL = "v"


@dataclass(frozen=True)
class Ruling:
    """A straight ruling segment in page pixels.

    ``position`` is y for a horizontal line and x for a vertical one; ``start``..``end`` is its
    extent along the line.
    """

    axis: Axis
    position: int
    start: int
    end: int
    thickness: int = 1

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Cell:
    """A table cell: its top-left base row and column, spans, and box between ruling centres."""

    row: int
    col: int
    row_span: int
    col_span: int
    box: BBox
    is_header: bool = False


@dataclass(frozen=True)
class Grid:
    """A ruled table: ``row_lines``/``col_lines`` are the ruling positions (n+1 for n rows).

    ``header_rows`` is read from the structure alone (the first row, its row spans, and the
    sub-header under a cell spanning columns); layout confirms it from the header text, e.g. on
    a continuation page without a header.
    """

    row_lines: tuple[int, ...]
    col_lines: tuple[int, ...]
    cells: tuple[Cell, ...]
    header_rows: int
    rulings: tuple[Ruling, ...]

    @property
    def n_rows(self) -> int:
        return len(self.row_lines) - 1

    @property
    def n_cols(self) -> int:
        return len(self.col_lines) - 1

    @property
    def box(self) -> BBox:
        return BBox(
            x0=self.col_lines[0], y0=self.row_lines[0], x1=self.col_lines[-1], y1=self.row_lines[-1]
        )

    @property
    def header_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.is_header)

    @property
    def body_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if not cell.is_header)

    def body_rows(self) -> list[list[Cell]]:
        """Body cells row by row, each row left to right."""
        rows: dict[int, list[Cell]] = {}
        for cell in self.body_cells:
            rows.setdefault(cell.row, []).append(cell)
        return [sorted(rows[row], key=lambda c: c.col) for row in sorted(rows)]

    def cell_at(self, row: int, col: int) -> Cell:
        """The (possibly merged) cell covering base row ``row`` and column ``col``."""
        for cell in self.cells:
            if (
                cell.row <= row < cell.row + cell.row_span
                and cell.col <= col < cell.col + cell.col_span
            ):
                return cell
        raise KeyError(f"no cell at row {row}, column {col} of a {self.n_rows}x{self.n_cols} grid")


@dataclass(frozen=True)
class GridDetection:
    """The grid of a page, or ``None`` with the reason (e.g. a form page has no grid).

    ``line_mask`` holds the long straight runs of ink (255) found on the page, so that
    :func:`remove_lines` need not look for them again on the same page.
    """

    grid: Grid | None
    reason: str
    line_mask: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class GridOptions:
    """Scale of what counts as a ruling, as fractions of the page's shorter side."""

    min_line_fraction: float = 1 / 40  # shortest ruling run; longer than any letter stroke
    position_tolerance_fraction: float = 1 / 250  # rulings this close are one line
    adaptive_block_fraction: float = 1 / 60  # neighbourhood of the line-finding threshold


def detect_grid(image: np.ndarray, options: GridOptions | None = None) -> GridDetection:
    """The ruling grid of a (deskewed) page image, grey or colour."""
    options = options or GridOptions()
    rulings, line_mask = _rulings_and_mask(image, options)
    height, width = image.shape[:2]
    detection = grid_from_rulings(rulings, width=width, height=height, options=options)
    return replace(detection, line_mask=line_mask) if detection.grid else detection


def extract_rulings(image: np.ndarray, options: GridOptions | None = None) -> list[Ruling]:
    """Horizontal and vertical ruling segments found by morphological opening."""
    return _rulings_and_mask(image, options or GridOptions())[0]


def _rulings_and_mask(image: np.ndarray, options: GridOptions) -> tuple[list[Ruling], np.ndarray]:
    masks, min_length = _line_masks(image, options)
    rulings = [r for axis, mask in masks.items() for r in _segments(mask, axis, min_length)]
    tolerance = max(3, round(min(image.shape[:2]) * options.position_tolerance_fraction))
    merged = merge_collinear(rulings, tolerance=tolerance, gap=tolerance * 2)
    return merged, cv2.bitwise_or(masks[Axis.HORIZONTAL], masks[Axis.VERTICAL])


def _line_masks(image: np.ndarray, options: GridOptions) -> tuple[dict[Axis, np.ndarray], int]:
    """The long straight runs of ink along each axis, and the shortest run that counts."""
    ink = ink_mask(image, options)
    min_length = max(15, round(min(ink.shape) * options.min_line_fraction))
    return {axis: _line_mask(ink, axis, min_length) for axis in Axis}, min_length


def ink_mask(image: np.ndarray, options: GridOptions | None = None) -> np.ndarray:
    """Ink as 255 on 0, thresholded locally: uneven light and faint print keep their lines."""
    options = options or GridOptions()
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    block = max(15, round(min(grey.shape) * options.adaptive_block_fraction)) | 1
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15
    )


def _line_mask(ink: np.ndarray, axis: Axis, min_length: int) -> np.ndarray:
    horizontal = axis is Axis.HORIZONTAL
    bridge = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1) if horizontal else (1, 5))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, bridge)  # mend pin-hole breaks
    kernel = cv2.getStructuringElement(
        cv2.MORPH_RECT, (min_length, 1) if horizontal else (1, min_length)
    )
    return cv2.morphologyEx(closed, cv2.MORPH_OPEN, kernel)


def _segments(mask: np.ndarray, axis: Axis, min_length: int) -> list[Ruling]:
    # Labelled within the box holding all the mask's ink only: the same components at a
    # fraction of the cost on pages with few rulings (a form's mask is nearly empty).
    left, top, width, height = cv2.boundingRect(mask)
    if width == 0 or height == 0:
        return []
    count, _, stats, centroids = connected_components(mask[top : top + height, left : left + width])
    segments: list[Ruling] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        x, y = x + left, y + top
        along, across = (w, h) if axis is Axis.HORIZONTAL else (h, w)
        if along < min_length or across > along:
            continue
        centre = (
            centroids[label][1] + top if axis is Axis.HORIZONTAL else centroids[label][0] + left
        )
        start = x if axis is Axis.HORIZONTAL else y
        thickness = max(1, round(area / along))
        segments.append(Ruling(axis, round(centre), start, start + along, thickness))
    return segments


def merge_collinear(rulings: Iterable[Ruling], *, tolerance: int, gap: int) -> list[Ruling]:
    """Join segments of one line (same axis, positions within ``tolerance``, gaps <= ``gap``)."""
    merged: list[Ruling] = []
    for axis in Axis:
        for cluster in _clusters([r for r in rulings if r.axis is axis], tolerance):
            cluster.sort(key=lambda r: r.start)
            run = [cluster[0]]
            for ruling in cluster[1:]:
                if ruling.start <= max(r.end for r in run) + gap:
                    run.append(ruling)
                else:
                    merged.append(_joined(run))
                    run = [ruling]
            merged.append(_joined(run))
    return merged


def _clusters(rulings: list[Ruling], tolerance: int) -> list[list[Ruling]]:
    clusters: list[list[Ruling]] = []
    for ruling in sorted(rulings, key=lambda r: r.position):
        if clusters and ruling.position - clusters[-1][-1].position <= tolerance:
            clusters[-1].append(ruling)
        else:
            clusters.append([ruling])
    return clusters


def _joined(run: Sequence[Ruling]) -> Ruling:
    total = sum(r.length for r in run) or 1
    position = round(sum(r.position * r.length for r in run) / total)
    thickness = max(r.thickness for r in run)
    return Ruling(
        run[0].axis, position, min(r.start for r in run), max(r.end for r in run), thickness
    )


def grid_from_rulings(
    rulings: Sequence[Ruling], *, width: int, height: int, options: GridOptions | None = None
) -> GridDetection:
    """The table formed by the largest set of crossing rulings, with its (merged) cells."""
    options = options or GridOptions()
    tolerance = max(3, round(min(width, height) * options.position_tolerance_fraction))
    horizontal = [r for r in rulings if r.axis is Axis.HORIZONTAL]
    vertical = [r for r in rulings if r.axis is Axis.VERTICAL]
    if not horizontal and not vertical:
        return GridDetection(None, "no ruling lines")
    table = _largest_crossing_set(horizontal, vertical, tolerance)
    table_h = [r for r in table if r.axis is Axis.HORIZONTAL]
    table_v = [r for r in table if r.axis is Axis.VERTICAL]
    row_lines = _line_positions(table_h, tolerance)
    col_lines = _line_positions(table_v, tolerance)
    if len(row_lines) < 2 or len(col_lines) < 2:
        return GridDetection(
            None,
            f"no ruled table: {len(horizontal)} horizontal and {len(vertical)} vertical "
            f"rulings, at most {len(row_lines)}x{len(col_lines)} crossing lines",
        )
    cells = _cells(row_lines, col_lines, table_h, table_v, tolerance)
    header_rows = _header_rows(cells, len(row_lines) - 1)
    cells = tuple(
        Cell(c.row, c.col, c.row_span, c.col_span, c.box, is_header=c.row < header_rows)
        for c in cells
    )
    grid = Grid(tuple(row_lines), tuple(col_lines), cells, header_rows, tuple(table))
    return GridDetection(grid, f"{grid.n_rows}x{grid.n_cols} ruled table, {len(cells)} cells")


def _crosses(h: Ruling, v: Ruling, tolerance: int) -> bool:
    return (
        h.start - tolerance <= v.position <= h.end + tolerance
        and v.start - tolerance <= h.position <= v.end + tolerance
    )


def _largest_crossing_set(
    horizontal: list[Ruling], vertical: list[Ruling], tolerance: int
) -> list[Ruling]:
    """Connected component (by crossings) of rulings with the greatest total length.

    A table ruling runs from one perpendicular ruling to another at least: a stroke of text
    touching a single line (a frequent sight in scans) is not a ruling of the table.
    """
    horizontal = [h for h in horizontal if sum(_crosses(h, v, tolerance) for v in vertical) >= 2]
    vertical = [v for v in vertical if sum(_crosses(h, v, tolerance) for h in horizontal) >= 2]
    rulings = horizontal + vertical
    parent = list(range(len(rulings)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for hi, h in enumerate(horizontal):
        for vi, v in enumerate(vertical):
            if _crosses(h, v, tolerance):
                parent[find(hi)] = find(len(horizontal) + vi)
    groups: dict[int, list[Ruling]] = {}
    for index, ruling in enumerate(rulings):
        groups.setdefault(find(index), []).append(ruling)
    crossing = [g for g in groups.values() if len({r.axis for r in g}) == 2]
    if not crossing:
        return []
    return max(crossing, key=lambda g: sum(r.length for r in g))


def _line_positions(rulings: list[Ruling], tolerance: int) -> list[int]:
    return [
        round(sum(r.position * r.length for r in cluster) / sum(r.length for r in cluster))
        for cluster in _clusters(rulings, tolerance)
    ]


def _coverage(rulings: list[Ruling], position: int, start: int, end: int, tolerance: int) -> float:
    """Share of ``start..end`` covered by rulings lying at ``position``."""
    if end <= start:
        return 1.0
    intervals = sorted(
        (max(r.start, start), min(r.end, end))
        for r in rulings
        if abs(r.position - position) <= tolerance and r.end > start and r.start < end
    )
    covered, reach = 0, start
    for lo, hi in intervals:
        if hi > max(lo, reach):
            covered += hi - max(lo, reach)
            reach = hi
    return covered / (end - start)


def _cells(
    row_lines: list[int],
    col_lines: list[int],
    horizontal: list[Ruling],
    vertical: list[Ruling],
    tolerance: int,
) -> tuple[Cell, ...]:
    n_rows, n_cols = len(row_lines) - 1, len(col_lines) - 1
    # Which base cells are joined because the ruling between them is missing.
    joined_right = np.zeros((n_rows, n_cols), dtype=bool)
    joined_down = np.zeros((n_rows, n_cols), dtype=bool)
    for r in range(n_rows):
        top, bottom = row_lines[r] + tolerance, row_lines[r + 1] - tolerance
        for c in range(n_cols - 1):
            covered = _coverage(vertical, col_lines[c + 1], top, bottom, tolerance)
            joined_right[r, c] = covered < MIN_BOUNDARY_COVERAGE
    for c in range(n_cols):
        left, right = col_lines[c] + tolerance, col_lines[c + 1] - tolerance
        for r in range(n_rows - 1):
            covered = _coverage(horizontal, row_lines[r + 1], left, right, tolerance)
            joined_down[r, c] = covered < MIN_BOUNDARY_COVERAGE

    owner = np.full((n_rows, n_cols), -1, dtype=int)
    cells: list[Cell] = []
    for r in range(n_rows):
        for c in range(n_cols):
            if owner[r, c] >= 0:
                continue
            r1, c1 = _merged_extent(r, c, joined_right, joined_down, owner)
            owner[r : r1 + 1, c : c1 + 1] = len(cells)
            box = BBox(x0=col_lines[c], y0=row_lines[r], x1=col_lines[c1 + 1], y1=row_lines[r1 + 1])
            cells.append(Cell(r, c, r1 - r + 1, c1 - c + 1, box))
    return tuple(cells)


def _merged_extent(
    r: int, c: int, joined_right: np.ndarray, joined_down: np.ndarray, owner: np.ndarray
) -> tuple[int, int]:
    """Grow a rectangle from base cell (r, c) while a missing ruling joins it to a neighbour."""
    n_rows, n_cols = owner.shape
    r1, c1 = r, c
    grown = True
    while grown:
        grown = False
        if (
            c1 + 1 < n_cols
            and joined_right[r : r1 + 1, c1].any()
            and (owner[r : r1 + 1, c1 + 1] < 0).all()
        ):
            c1 += 1
            grown = True
        if (
            r1 + 1 < n_rows
            and joined_down[r1, c : c1 + 1].any()
            and (owner[r1 + 1, c : c1 + 1] < 0).all()
        ):
            r1 += 1
            grown = True
    return r1, c1


def _header_rows(cells: Sequence[Cell], n_rows: int) -> int:
    """Rows of the header: the first row, its row spans, and the sub-header under a merged cell."""
    header = 1
    while header < n_rows:
        in_header = [cell for cell in cells if cell.row < header]
        reaches = max(cell.row + cell.row_span for cell in in_header)
        spans_columns = any(
            cell.col_span > 1 and cell.row + cell.row_span == header for cell in in_header
        )
        if reaches > header:
            header = reaches
        elif spans_columns:
            header += 1
        else:
            break
    return min(header, n_rows)


def remove_lines(
    image: np.ndarray,
    grid: Grid,
    options: GridOptions | None = None,
    *,
    line_mask: np.ndarray | None = None,
) -> np.ndarray:
    """A copy of ``image`` with the grid's rulings painted over in white.

    Only long straight runs of ink near the grid's rulings are erased, so the strokes of letters
    touching a line lose at most the line's own width. ``line_mask`` (see
    :class:`GridDetection`) gives those runs when they were found on this page already.
    """
    options = options or GridOptions()
    height, width = image.shape[:2]
    if line_mask is None or line_mask.shape != (height, width):
        masks, _ = _line_masks(image, options)
        line_mask = cv2.bitwise_or(masks[Axis.HORIZONTAL], masks[Axis.VERTICAL])
    near_rulings = np.zeros((height, width), dtype=np.uint8)
    for ruling in grid.rulings:
        reach = ruling.thickness + max(
            3, round(min(width, height) * options.position_tolerance_fraction)
        )
        if ruling.axis is Axis.HORIZONTAL:
            y0, y1 = max(ruling.position - reach, 0), min(ruling.position + reach + 1, height)
            near_rulings[y0:y1, max(ruling.start - reach, 0) : ruling.end + reach + 1] = 255
        else:
            x0, x1 = max(ruling.position - reach, 0), min(ruling.position + reach + 1, width)
            near_rulings[max(ruling.start - reach, 0) : ruling.end + reach + 1, x0:x1] = 255
    lines = cv2.bitwise_and(line_mask, near_rulings)
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    cleaned = image.copy()
    cleaned[lines > 0] = 255
    return cleaned
