"""Page layout in points (1/72 inch, origin top-left): where every rule, text run and box goes.

One layout feeds both renderers: the raster renderer draws it at any DPI, the born-digital
renderer writes it with reportlab. Text is measured with the metrics of the same DejaVu files the
renderers draw with; a column is never narrower than its longest word, so a cell wraps only
between words and its text read back line by line, joined by spaces, is the written text.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from civreg.errors import DataValidationError
from schemas.enums import RegisterType
from synth.books import BookEntry, RegisterBook
from synth.render.fonts import BASELINE_EM, LINE_HEIGHT_EM, text_width_pt
from synth.render.labels import (
    BOOK_TITLES,
    FORM_TITLES,
    HeaderPlan,
    choose_columns,
    full_column_order,
    longest_label_words,
    plan_labels,
    possible_columns,
)
from synth.render.spec import FontFamily, PageSpec

TableStyle = Literal["register", "software"]
"""'register': a ward's ruled book; 'software': the printout of the registry software."""

MARGIN_PT = 36.0
PAD_X_PT = 3.0
PAD_Y_PT = 2.5
RULE_PT = 0.7
FRAME_PT = 1.2
BOX_INSET_PT = 2.0
"""Truth boxes stop this far inside the ruling lines, so a blank cell's box holds no ink."""
TITLE_PT = 14.0
SUBTITLE_PT = 11.0
FOOTER_PT = 8.0
HEADER_LINE_BUDGET = 3
"""Header lines assumed when estimating rows per page before the labels are drawn."""
CENTRED_COLUMNS = frozenset(
    {"registration_number", "sex", "mother_birth_year", "father_birth_year"}
)


@dataclass(frozen=True)
class Rect:
    """A rectangle in points, y downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    def inset(self, by: float) -> Rect:
        return Rect(self.x0 + by, self.y0 + by, self.x1 - by, self.y1 - by)

    def union(self, other: Rect) -> Rect:
        return Rect(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def corners(self) -> list[tuple[float, float]]:
        return [(self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1)]


@dataclass(frozen=True)
class TextRun:
    """One line of text: left end of its baseline, font and size."""

    x: float
    baseline: float
    text: str
    family: FontFamily
    size: float
    bold: bool
    width: float
    """Advance width as measured for the layout; renderers keep the text within it."""


@dataclass(frozen=True)
class Rule:
    """A drawn line (ruling line of a table or an underline)."""

    x0: float
    y0: float
    x1: float
    y1: float
    width: float


@dataclass(frozen=True)
class FieldLayout:
    """A field's printed text (NFC, single spaces) and its cell (or value) box."""

    text: str
    rect: Rect


@dataclass(frozen=True)
class EntryLayout:
    """One entry on a page: its row (or form body) and its fields."""

    entry_key: str
    rect: Rect
    fields: dict[str, FieldLayout]


@dataclass
class PageLayout:
    """Everything drawn on one page, with the boxes the ground truth reports."""

    width_pt: float
    height_pt: float
    texts: list[TextRun] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    entries: list[EntryLayout] = field(default_factory=list)
    header_labels: dict[str, str] = field(default_factory=dict)
    column_order: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Font:
    """A font at a size, measuring text in points."""

    family: FontFamily
    size: float
    bold: bool = False

    @property
    def line_height(self) -> float:
        return self.size * LINE_HEIGHT_EM

    def width(self, text: str) -> float:
        return _width(text, self.family, self.size, self.bold)

    def run(self, x: float, line_top: float, text: str) -> TextRun:
        baseline = line_top + self.size * BASELINE_EM
        return TextRun(x, baseline, text, self.family, self.size, self.bold, self.width(text))


@lru_cache(maxsize=200_000)
def _width(text: str, family: FontFamily, size: float, bold: bool) -> float:
    return text_width_pt(text, family, size, bold)


def printed_text(written: str) -> str:
    """The text as printed: NFC with single spaces (what a reader should get back)."""
    return " ".join(unicodedata.normalize("NFC", written).split())


def wrap(text: str, max_width: float, font: Font) -> list[str]:
    """Greedy word wrap; a word wider than the line stays whole on its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.width(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


@lru_cache(maxsize=200_000)
def _min_width(text: str, max_lines: int, font: Font) -> float:
    """The narrowest line width that wraps ``text`` into ``max_lines`` lines or fewer."""
    words = text.split()
    if not words:
        return 0.0
    longest = max(font.width(word) for word in words)
    full = font.width(text)
    low = max(longest, full / max_lines)
    if len(wrap(text, low, font)) <= max_lines:
        return low
    high = full
    while high - low > 0.5:
        middle = (low + high) / 2
        if len(wrap(text, middle, font)) <= max_lines:
            high = middle
        else:
            low = middle
    return high


def _written(entry: BookEntry, name: str) -> str:
    return printed_text(entry.written.get(name, ""))


# --- ruled tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnNeed:
    """How wide a column must be (``least``) and would like to be (``natural``), in points."""

    least: float
    natural: float


def column_needs(
    register_type: RegisterType,
    columns: Sequence[str],
    entries: Sequence[BookEntry],
    *,
    body: Font,
    header: Font,
    lines_per_row: int,
    page_width: float,
) -> dict[str, ColumnNeed]:
    """Width needs of each column, over the given entries and every label variant."""
    needs = {}
    for name in columns:
        texts = [_written(entry, name) for entry in entries]
        least_text = max((_min_width(t, lines_per_row, body) for t in texts), default=0.0)
        natural_text = max((body.width(t) for t in texts), default=0.0)
        header_word = max(header.width(w) for w in longest_label_words(register_type, name))
        least = max(least_text, header_word) + 2 * PAD_X_PT
        natural = min(max(natural_text + 2 * PAD_X_PT, least), max(least, 0.3 * page_width))
        needs[name] = ColumnNeed(least, natural)
    return needs


def allocate_widths(needs: dict[str, ColumnNeed], available: float) -> dict[str, float] | None:
    """Share the table width: everyone gets their least, the rest goes towards natural widths."""
    least = sum(need.least for need in needs.values())
    natural = sum(need.natural for need in needs.values())
    if least > available:
        return None
    if natural <= available:
        spare = available - natural
        return {name: n.natural + spare * n.natural / natural for name, n in needs.items()}
    share = (available - least) / (natural - least)
    return {name: n.least + share * (n.natural - n.least) for name, n in needs.items()}


def table_fonts(spec: PageSpec, style: TableStyle, bold_header: bool) -> tuple[Font, Font]:
    """Body and header fonts of a table page."""
    body = Font(spec.font_family, spec.font_size_pt)
    return body, Font(spec.font_family, spec.font_size_pt, bold_header or style == "software")


def row_height(body: Font, lines_per_row: int) -> float:
    return lines_per_row * body.line_height + 2 * PAD_Y_PT


def _title_block_height() -> float:
    return TITLE_PT * LINE_HEIGHT_EM + SUBTITLE_PT * LINE_HEIGHT_EM + 8.0


def estimated_rows_per_page(spec: PageSpec) -> int:
    """Rows a table page of this spec holds, assuming a header of ``HEADER_LINE_BUDGET`` lines."""
    body = Font(spec.font_family, spec.font_size_pt)
    header_height = HEADER_LINE_BUDGET * body.line_height + 2 * PAD_Y_PT
    return _rows_fitting(spec.page_size_pt[1], header_height, row_height(body, spec.lines_per_row))


def _rows_fitting(page_height: float, header_height: float, one_row: float) -> int:
    top = MARGIN_PT + _title_block_height()
    bottom = page_height - MARGIN_PT - FOOTER_PT * LINE_HEIGHT_EM - 4.0
    return max(0, math.floor((bottom - top - header_height) / one_row))


def table_fits(book: RegisterBook, spec: PageSpec) -> bool:
    """Whether every column the book can print fits across a page of this spec."""
    body, header = table_fonts(spec, "register", bold_header=True)
    columns = possible_columns(book.register_type, book.era)
    width = spec.page_size_pt[0]
    needs = column_needs(
        book.register_type,
        columns,
        book.entries,
        body=body,
        header=header,
        lines_per_row=spec.lines_per_row,
        page_width=width,
    )
    rows = estimated_rows_per_page(spec)
    return rows >= 2 and allocate_widths(needs, width - 2 * MARGIN_PT) is not None


def ward_line(book: RegisterBook) -> str:
    """'Phường Quảng An - Năm 1998' from the ward as the book names it."""
    ward = printed_text(book.ward_written.split(",")[0])
    return f"{ward[:1].upper()}{ward[1:]} - Năm {book.year}"


def _centred(
    page: PageLayout, text: str, font: Font, line_top: float, span: tuple[float, float]
) -> None:
    """Centre one line of text between the x positions of ``span``."""
    page.texts.append(font.run((span[0] + span[1] - font.width(text)) / 2, line_top, text))


def _cell_text(
    page: PageLayout,
    lines: list[str],
    font: Font,
    cell: Rect,
    centred: bool,
) -> None:
    block = len(lines) * font.line_height
    top = (cell.y0 + cell.y1 - block) / 2
    for index, line in enumerate(lines):
        line_top = top + index * font.line_height
        if centred:
            _centred(page, line, font, line_top, (cell.x0, cell.x1))
        else:
            page.texts.append(font.run(cell.x0 + PAD_X_PT, line_top, line))


def _draw_header(
    page: PageLayout,
    columns: list[str],
    xs: list[float],
    plan: HeaderPlan,
    header: Font,
    *,
    top: float,
) -> float:
    """Draw the header row(s) and return the y of the first entry row."""
    wrapped = {
        name: wrap(plan.labels[name], xs[i + 1] - xs[i] - 2 * PAD_X_PT, header)
        for i, name in enumerate(columns)
    }
    sub_height = max(len(lines) for lines in wrapped.values()) * header.line_height + 2 * PAD_Y_PT
    group_height = header.line_height + 2 * PAD_Y_PT if plan.groups else 0.0
    bottom = top + group_height + sub_height
    left, right = xs[0], xs[-1]
    page.rules.append(Rule(left, top, right, top, FRAME_PT))
    # Group cells span their columns on the first header line; other labels span both lines.
    index = 0
    while index < len(columns):
        name = columns[index]
        group = plan.groups.get(name)
        if group is None:
            cell = Rect(xs[index], top, xs[index + 1], bottom)
            _cell_text(page, wrapped[name], header, cell, centred=True)
            index += 1
            continue
        end = index
        while end < len(columns) and plan.groups.get(columns[end]) == group:
            end += 1
        split = top + group_height
        _centred(page, group, header, top + PAD_Y_PT, (xs[index], xs[end]))
        page.rules.append(Rule(xs[index], split, xs[end], split, RULE_PT))
        for sub in range(index, end):
            cell = Rect(xs[sub], split, xs[sub + 1], bottom)
            _cell_text(page, wrapped[columns[sub]], header, cell, centred=True)
        index = end
    page.rules.append(Rule(left, bottom, right, bottom, FRAME_PT))
    for i, x in enumerate(xs):
        inside_group = 0 < i < len(columns) and (
            plan.groups.get(columns[i - 1]) is not None
            and plan.groups.get(columns[i - 1]) == plan.groups.get(columns[i])
        )
        edge = FRAME_PT if i in (0, len(xs) - 1) else RULE_PT
        page.rules.append(Rule(x, top + group_height if inside_group else top, x, bottom, edge))
    return bottom


def _column_edges(columns: list[str], widths: dict[str, float], left: float) -> list[float]:
    xs = [left]
    for name in columns:
        xs.append(xs[-1] + widths[name])
    return xs


def layout_table_pages(
    book: RegisterBook,
    entries: Sequence[BookEntry],
    spec: PageSpec,
    *,
    style: TableStyle,
    page_rng: Callable[[int], np.random.Generator],
    first_page_number: int = 1,
) -> list[PageLayout]:
    """Lay ``entries`` out as ruled table pages; columns and labels are drawn per page."""
    width, height = spec.page_size_pt
    pages: list[PageLayout] = []
    done = 0
    while done < len(entries) and (spec.max_pages is None or len(pages) < spec.max_pages):
        number = len(pages) + 1
        rng = page_rng(number)
        columns = choose_columns(book.register_type, book.era, rng)
        case_style = ("as_is", "upper")[int(rng.integers(2))] if style == "software" else None
        plan = plan_labels(
            book.register_type,
            columns,
            rng,
            allow_groups=book.register_type is RegisterType.MARRIAGE,
            case_style=case_style,
        )
        body, header = table_fonts(spec, style, bold_header=bool(rng.random() < 0.6))
        needs = column_needs(
            book.register_type,
            columns,
            entries,
            body=body,
            header=header,
            lines_per_row=spec.lines_per_row,
            page_width=width,
        )
        widths = allocate_widths(needs, width - 2 * MARGIN_PT)
        if widths is None:
            raise DataValidationError(
                f"book {book.book_id}, page {number}: {len(columns)} columns do not fit across "
                f"{spec.paper} {'landscape' if spec.landscape else 'portrait'} at "
                f"{spec.font_size_pt} pt with {spec.lines_per_row} lines per row",
                hint="plan the book with plan_book, which picks a paper the columns fit",
            )
        page = PageLayout(width, height, header_labels={}, column_order=list(columns))
        page.header_labels = {name: plan.truth_label(name) for name in columns}
        title_font = Font(spec.font_family, TITLE_PT, bold=True)
        _centred(page, BOOK_TITLES[book.register_type], title_font, MARGIN_PT, (0, width))
        subtitle = Font(spec.font_family, SUBTITLE_PT, bold=style == "register")
        _centred(page, ward_line(book), subtitle, MARGIN_PT + title_font.line_height, (0, width))
        xs = _column_edges(columns, widths, MARGIN_PT)
        rows_top = _draw_header(
            page, columns, xs, plan, header, top=MARGIN_PT + _title_block_height()
        )
        one_row = row_height(body, spec.lines_per_row)
        header_height = rows_top - (MARGIN_PT + _title_block_height())
        capacity = _rows_fitting(height, header_height, one_row)
        if capacity < 1:
            raise DataValidationError(
                f"book {book.book_id}, page {number}: no row fits below the header on {spec.paper}"
            )
        page_entries = entries[done : done + capacity]
        y = rows_top
        for entry in page_entries:
            row = Rect(xs[0], y, xs[-1], y + one_row)
            fields = {}
            for i, name in enumerate(columns):
                cell = Rect(xs[i], row.y0, xs[i + 1], row.y1)
                text = _written(entry, name)
                lines = wrap(text, cell.x1 - cell.x0 - 2 * PAD_X_PT, body)
                _cell_text(page, lines, body, cell, centred=name in CENTRED_COLUMNS)
                fields[name] = FieldLayout(text, cell.inset(BOX_INSET_PT))
            page.entries.append(EntryLayout(entry.entry_key, row.inset(BOX_INSET_PT), fields))
            y = row.y1
            page.rules.append(Rule(xs[0], y, xs[-1], y, RULE_PT))
        page.rules[-1] = Rule(xs[0], y, xs[-1], y, FRAME_PT)
        for i, x in enumerate(xs):
            edge = FRAME_PT if i in (0, len(xs) - 1) else RULE_PT
            page.rules.append(Rule(x, rows_top, x, y, edge))
        _footer(page, book, spec.font_family, style, first_page_number + number - 1)
        pages.append(page)
        done += len(page_entries)
    return pages


def _footer(
    page: PageLayout, book: RegisterBook, family: FontFamily, style: TableStyle, number: int
) -> None:
    font = Font(family, FOOTER_PT)
    top = page.height_pt - MARGIN_PT - font.line_height
    if style == "software":
        page.texts.append(font.run(MARGIN_PT, top, "In từ Phần mềm đăng ký, quản lý hộ tịch"))
        label = f"Trang {number}"
        page.texts.append(font.run(page.width_pt - MARGIN_PT - font.width(label), top, label))
    else:
        _centred(page, f"Tờ số {number}", font, top, (0, page.width_pt))


# --- form pages -----------------------------------------------------------------------------


FORM_MARGIN_PT = 60.0


def form_fields(book: RegisterBook, rng: np.random.Generator) -> list[str]:
    """The labelled lines of a form page, in a drawn order; no ID line on pre-2014 forms."""
    fields = full_column_order(book.register_type, rng)
    if book.era == "pre2014":
        fields = [name for name in fields if not name.endswith("personal_id")]
    return fields


def layout_form_pages(
    book: RegisterBook,
    entries: Sequence[BookEntry],
    spec: PageSpec,
    page_rng: Callable[[int], np.random.Generator],
) -> list[PageLayout]:
    """One page per entry: letterhead, title, then a ``Label: value`` line per field."""
    width, height = spec.page_size_pt
    pages = []
    for index, entry in enumerate(entries):
        if spec.max_pages is not None and index >= spec.max_pages:
            break
        rng = page_rng(index + 1)
        fields = form_fields(book, rng)
        plan = plan_labels(
            book.register_type,
            fields,
            rng,
            allow_groups=book.register_type is RegisterType.MARRIAGE,
            case_style=("as_is", "as_is", "upper")[int(rng.integers(3))],
        )
        page = PageLayout(width, height, column_order=fields)
        page.header_labels = {name: plan.truth_label(name) for name in fields}
        top = _letterhead(page, book, spec.font_family, rng)
        body = Font(spec.font_family, spec.font_size_pt)
        label_font = Font(spec.font_family, spec.font_size_pt, bold=bool(rng.random() < 0.3))
        tabbed = bool(rng.random() < 0.5)
        left, right = FORM_MARGIN_PT, width - FORM_MARGIN_PT
        tab = left + max(label_font.width(f"{plan.labels[name]}:") for name in fields) + 8.0
        step = body.line_height * 1.35
        y = top
        group_shown = ""
        boxes: dict[str, FieldLayout] = {}
        body_rect: Rect | None = None
        for name in fields:
            group = plan.groups.get(name, "")
            if group and group != group_shown:
                heading = Font(spec.font_family, spec.font_size_pt, bold=True)
                page.texts.append(heading.run(left, y, f"{group}:"))
                y += step
                group_shown = group
            indent = left + (14.0 if group else 0.0)
            label = f"{plan.labels[name]}:"
            page.texts.append(label_font.run(indent, y, label))
            label_end = indent + label_font.width(label)
            value_x = max(tab, label_end + 6.0) if tabbed else label_end + 6.0
            text = _written(entry, name)
            lines = wrap(text, right - value_x, body)
            for number, line in enumerate(lines):
                page.texts.append(body.run(value_x, y + number * step, line))
            span = max(1, len(lines))
            box = Rect(value_x - 1.0, y, right, y + (span - 1) * step + body.line_height)
            boxes[name] = FieldLayout(text, box)
            line_rect = Rect(indent, y, right, box.y1)
            body_rect = line_rect if body_rect is None else body_rect.union(line_rect)
            y += span * step
        if y > height - MARGIN_PT:
            raise DataValidationError(
                f"book {book.book_id}, entry {entry.registration_number}: the form runs off "
                f"{spec.paper} at {spec.font_size_pt} pt"
            )
        assert body_rect is not None
        page.entries.append(EntryLayout(entry.entry_key, body_rect, boxes))
        _signature(page, spec.font_family, y + step)
        pages.append(page)
    return pages


def _fitting_font(family: FontFamily, size: float, bold: bool, text: str, room: float) -> Font:
    font = Font(family, size, bold)
    while font.width(text) > room and font.size > 7.0:
        font = Font(family, font.size - 0.5, bold)
    return font


def _letterhead(
    page: PageLayout, book: RegisterBook, family: FontFamily, rng: np.random.Generator
) -> float:
    """Issuer (left), national motto (right) and title; returns the y where the body starts."""
    width = page.width_pt
    left, right = FORM_MARGIN_PT, width - FORM_MARGIN_PT
    split = left + (right - left) * 0.4
    ward = printed_text(book.ward_written.split(",")[0]).upper()
    top = 44.0
    for number, (text, bold) in enumerate((("ỦY BAN NHÂN DÂN", False), (ward, True))):
        font = _fitting_font(family, 10.0, bold, text, split - left - 6)
        _centred(page, text, font, top + number * 13.0, (left, split))
    motto = (("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True), ("Độc lập - Tự do - Hạnh phúc", True))
    for number, (text, bold) in enumerate(motto):
        font = _fitting_font(family, 10.0, bold, text, right - split - 6)
        _centred(page, text, font, top + number * 13.0, (split, right))
    motto_font = _fitting_font(family, 10.0, True, motto[1][0], right - split - 6)
    underline = motto_font.width(motto[1][0])
    centre = (split + right) / 2
    page.rules.append(Rule(centre - underline / 2, top + 28, centre + underline / 2, top + 28, 0.6))
    titles = FORM_TITLES[book.register_type]
    title = titles[int(rng.integers(len(titles)))]
    title_font = Font(family, 16.0, bold=True)
    _centred(page, title, title_font, top + 56.0, (0, width))
    return top + 56.0 + title_font.line_height + 18.0


def _signature(page: PageLayout, family: FontFamily, y: float) -> None:
    if y + 40 > page.height_pt - MARGIN_PT:
        return
    font = Font(family, 10.0, bold=True)
    x0 = page.width_pt * 0.55
    x1 = page.width_pt - FORM_MARGIN_PT
    _centred(page, "TM. ỦY BAN NHÂN DÂN", font, y, (x0, x1))
    _centred(page, "CHỦ TỊCH", font, y + font.line_height, (x0, x1))
