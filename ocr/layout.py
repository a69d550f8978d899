"""Page layout: which register a page belongs to and which field each column or form line holds.

Columns are mapped by *reading* the header, never by position (DOMAIN.md §1): each column's
header text is fuzzy-matched to the label table of :mod:`ocr.labels`, so any order, missing
columns and reworded headers are read alike, and a column whose header matches no label is kept
as an ``extra`` column under its own header. Form pages are parsed line by line as
``Label: value`` with the same label table.

Everything here works on words with boxes (from OCR or a PDF text layer) and the ruling grid,
never on pixels. A page that cannot be understood gives a :class:`LayoutNotUnderstood` with the
reason; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from normalize.text import fold
from ocr.engine import Word, group_lines, join_text
from ocr.grid import Cell, Grid
from ocr.labels import (
    LabelMatch,
    Party,
    assign_fields,
    best_field,
    fields_of,
    label_key,
    match_party_group,
    match_title,
)
from schemas.enums import RegisterType
from schemas.values import BBox

MAX_HEADER_ROWS = 3
"""A header is at most a group row over a label row, each label on up to a few text lines."""
MIN_MAPPED_COLUMNS = 3
"""A table with fewer columns recognised is not taken for a register."""
MIN_MAPPED_SHARE = 0.5
"""Nor one where fewer than this share of its columns have a recognised header."""
MIN_FORM_FIELDS = 3
"""A form page needs at least this many labelled lines."""
TYPE_MARGIN = 1.0
"""Without a title, the register type the header fits best must beat the next by this many
fields, or the page is not understood."""
SEGMENT_GAP_EMS = 3.0
"""A horizontal gap wider than this many line heights splits a line into separate segments
(the two columns of a form's letterhead)."""
CONTINUATION_GAP_LINES = 1.8
"""A line belongs to the value above it when it starts under that value and follows within this
many line heights."""

_WARD = re.compile(
    r"^\W*(?:uy ban nhan dan\s+|ubnd\s+)?((?:phuong|xa|thi tran)\s+[a-z0-9][a-z0-9 ]*?)"
    r"\s*(?=-|,|\bnam\s*\d|$)"
)
"""A ward named at the start of a heading line ("Phường Quảng An - Năm 1998", "XÃ VÂN HÀ")."""
_YEAR = re.compile(r"\bnam\s*[:.]?\s*((?:19|20)\d\d)\b")


@dataclass(frozen=True)
class LayoutNotUnderstood:
    """A page the pipeline cannot read, and why (shown to the clerk, kept with the page)."""

    reason: str


@dataclass(frozen=True)
class PageHeading:
    """What a page says about itself: its title, the register it belongs to, ward and year."""

    title: str | None = None
    register_type: RegisterType | None = None
    is_form: bool | None = None
    ward: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class ColumnField:
    """One grid column: the field its header names (``None``: unknown, kept as extra)."""

    col: int
    header: str
    field: str | None
    score: float = 0.0


@dataclass(frozen=True)
class TableLayout:
    """A register table understood: its register type, header depth and column fields."""

    register_type: RegisterType
    heading: PageHeading
    header_rows: int
    columns: tuple[ColumnField, ...]
    notes: tuple[str, ...] = ()

    @property
    def mapped(self) -> dict[int, str]:
        """Column index -> field, for columns with a recognised header."""
        return {c.col: c.field for c in self.columns if c.field is not None}

    @property
    def extra(self) -> dict[int, str]:
        """Column index -> header text, for columns kept as extra."""
        return {c.col: c.header for c in self.columns if c.field is None and c.header}

    def body_rows(self, grid: Grid) -> list[list[Cell]]:
        """Cells below the header, row by row (a cell belongs to the row it starts in)."""
        rows: dict[int, list[Cell]] = {}
        for cell in grid.cells:
            if cell.row >= self.header_rows:
                rows.setdefault(cell.row, []).append(cell)
        return [sorted(rows[row], key=lambda c: c.col) for row in sorted(rows)]


@dataclass(frozen=True)
class FormValue:
    """A form line's value: its words (possibly over several lines) and the box it may fill."""

    label: str
    words: tuple[Word, ...]
    region: BBox
    score: float = 0.0

    @property
    def text(self) -> str:
        return join_text(self.words)


@dataclass(frozen=True)
class FormLayout:
    """A form page understood: one record, its labelled values and unknown labelled lines."""

    register_type: RegisterType
    heading: PageHeading
    fields: dict[str, FormValue]
    extra: dict[str, FormValue] = field(default_factory=dict)
    box: BBox | None = None
    notes: tuple[str, ...] = ()


# --- headings -------------------------------------------------------------------------------


def _folded_chars(text: str) -> str:
    """``text`` folded one character at a time (same length as the NFC text)."""
    return "".join((fold(ch) or " ")[:1] for ch in unicodedata.normalize("NFC", text))


def read_heading(lines: Sequence[str]) -> PageHeading:
    """Title, register type, ward and year from the lines at the top of a page."""
    title_text: str | None = None
    match = None
    for line in lines:
        found = match_title(line)
        if found and (match is None or found.score > match.score):
            match, title_text = found, line
    ward: str | None = None
    year: int | None = None
    for line in lines:
        text = unicodedata.normalize("NFC", line)
        folded = _folded_chars(text)
        if ward is None and (found_ward := _WARD.search(folded)):
            ward = " ".join(text[found_ward.start(1) : found_ward.end(1)].split()) or None
        if year is None and (found_year := _YEAR.search(folded)):
            year = int(found_year.group(1))
    return PageHeading(
        title=title_text,
        register_type=match.register_type if match else None,
        is_form=match.is_form if match else None,
        ward=ward,
        year=year,
    )


def line_segments(words: Sequence[Word]) -> list[list[Word]]:
    """Text lines split at wide gaps, so side-by-side blocks read as separate lines."""
    segments: list[list[Word]] = []
    for line in group_lines(words):
        height = max(1, sorted(w.bbox.height for w in line)[len(line) // 2])
        current = [line[0]]
        for word in line[1:]:
            if word.bbox.x0 - current[-1].bbox.x1 > SEGMENT_GAP_EMS * height:
                segments.append(current)
                current = []
            current.append(word)
        segments.append(current)
    segments.sort(key=lambda seg: (min(w.bbox.y0 for w in seg), seg[0].bbox.x0))
    return segments


# --- tables ---------------------------------------------------------------------------------


def _column_stack(grid: Grid, col: int, depth: int) -> list[Cell]:
    """The distinct cells over column ``col`` in the first ``depth`` rows, top to bottom."""
    stack: list[Cell] = []
    for row in range(depth):
        cell = grid.cell_at(row, col)
        if cell not in stack:
            stack.append(cell)
    return stack


def _readings(
    stack: Sequence[Cell], texts: Mapping[Cell, str]
) -> tuple[str, list[tuple[str, Party | None]]]:
    """A column's header as shown, and the readings of it worth matching."""
    parts = [" ".join(texts.get(cell, "").split()) for cell in stack]
    shown = " / ".join(part for part in parts if part)
    readings: list[tuple[str, Party | None]] = [(" ".join(parts), None)]
    if len(stack) > 1 and stack[0].col_span > 1:
        below = " ".join(parts[1:])
        party = match_party_group(parts[0])
        readings.append((below, party))
    return shown, readings


def _map_columns(
    grid: Grid, texts: Mapping[Cell, str], register_type: RegisterType, depth: int
) -> tuple[ColumnField, ...]:
    shown: dict[int, str] = {}
    readings: dict[int, list[tuple[str, Party | None]]] = {}
    for col in range(grid.n_cols):
        shown[col], readings[col] = _readings(_column_stack(grid, col, depth), texts)
    assigned: dict[int, LabelMatch] = assign_fields(readings, register_type)
    return tuple(
        ColumnField(
            col=col,
            header=shown[col],
            field=assigned[col].field if col in assigned else None,
            score=assigned[col].score if col in assigned else 0.0,
        )
        for col in range(grid.n_cols)
    )


def _quality(columns: Sequence[ColumnField]) -> float:
    """How well a mapping explains a header: fields found, then how well they matched."""
    found = [c.score for c in columns if c.field is not None]
    return len(found) + sum(found) / (100.0 * max(len(found), 1))


def header_depths(grid: Grid) -> range:
    """Header depths worth trying: the grid's own, or fewer rows when it looks too deep."""
    deepest = max(1, min(grid.header_rows, MAX_HEADER_ROWS, grid.n_rows - 1))
    return range(1, deepest + 1)


def map_table(
    grid: Grid, header_texts: Mapping[Cell, str], heading: PageHeading
) -> TableLayout | LayoutNotUnderstood:
    """Each column of ``grid`` mapped to a field by its header text.

    ``header_texts`` holds the text read in the cells of the top rows (at least
    :func:`header_depths` of them). The header depth that explains most columns wins; without
    a title, the register type whose labels explain the header clearly best is taken.
    """
    if grid.n_rows < 2:
        return LayoutNotUnderstood(f"a {grid.n_rows}-row table has no room for a header and rows")
    types = [heading.register_type] if heading.register_type else list(RegisterType)
    options: list[tuple[float, RegisterType, int, tuple[ColumnField, ...]]] = []
    for register_type in types:
        for depth in header_depths(grid):
            columns = _map_columns(grid, header_texts, register_type, depth)
            options.append((_quality(columns), register_type, depth, columns))
    options.sort(key=lambda option: -option[0])
    quality, register_type, depth, columns = options[0]
    notes: list[str] = []
    if heading.register_type is None:
        rivals = [q for q, kind, _, _ in options if kind is not register_type]
        if rivals and quality - max(rivals) < TYPE_MARGIN:
            return LayoutNotUnderstood(
                "no register title was read and the header fits more than one register type"
            )
        notes.append(f"no register title read; the header reads as a {register_type} register")
    mapped = [c for c in columns if c.field is not None]
    if len(mapped) < MIN_MAPPED_COLUMNS or len(mapped) < MIN_MAPPED_SHARE * grid.n_cols:
        headers = "; ".join(repr(c.header) for c in columns if c.header) or "nothing"
        return LayoutNotUnderstood(
            f"header not recognised: {len(mapped)} of {grid.n_cols} columns matched a "
            f"{register_type} label (read {headers})"
        )
    unknown = [c.header for c in columns if c.field is None and c.header]
    if unknown:
        notes.append("columns kept as extra: " + "; ".join(repr(h) for h in unknown))
    return TableLayout(
        register_type=register_type,
        heading=heading,
        header_rows=depth,
        columns=columns,
        notes=tuple(notes),
    )


def infer_register_type(fields: Sequence[str]) -> RegisterType | None:
    """The only register type whose fields include all of ``fields``, if there is one."""
    fitting = [kind for kind in RegisterType if set(fields) <= set(fields_of(kind))]
    return fitting[0] if len(fitting) == 1 else None


# --- forms ----------------------------------------------------------------------------------


@dataclass
class _OpenValue:
    label: str
    field: str | None
    score: float
    words: list[Word]
    label_box: BBox
    value_x: int
    last_y1: int
    line_height: int


def _split_label(
    segment: Sequence[Word], register_type: RegisterType, party: Party | None
) -> tuple[str, LabelMatch | None, list[Word], BBox] | None:
    """The label of a ``Label: value`` line, its field, the value words and the label's box.

    The label ends at a colon (the one after which the text reads best as a label: OCR adds
    colons where speckle lies); when OCR lost the colon, the longest run of leading words
    that reads as a label with a high score is taken instead.
    """
    best: tuple[float, str, LabelMatch | None, list[Word], BBox] | None = None
    for index, word in enumerate(segment):
        if ":" not in word.text:
            continue
        head, _, tail = word.text.partition(":")
        if head[-1:].isdigit() and tail[:1].isdigit():
            continue  # a time such as 14:30 belongs to the value
        label = " ".join([w.text for w in segment[:index]] + ([head] if head else []))
        if not label_key(label):
            continue
        value = list(segment[index + 1 :])
        if tail.strip():
            value.insert(0, _tail_word(word, len(head) + 1, tail.strip()))
        match = best_field(label, register_type, party)
        score = match.score if match else 0.0
        if best is None or score > best[0]:
            best = (score, label, match, value, _union(segment[: index + 1]))
    if best is not None:
        return best[1:]
    found: tuple[str, LabelMatch, int] | None = None
    for count in range(1, min(len(segment), 8) + 1):
        label = " ".join(w.text for w in segment[:count])
        match = best_field(label, register_type, party)
        if match and match.score >= 90 and (found is None or match.score >= found[1].score):
            found = (label, match, count)
    if found is None:
        return None
    label, match, count = found
    return label, match, list(segment[count:]), _union(segment[:count])


def _tail_word(word: Word, start: int, text: str) -> Word:
    """The part of ``word`` from character ``start`` on, its box cut in proportion."""
    box = word.bbox
    x0 = box.x0 + round(box.width * start / max(len(word.text), 1))
    return Word(text, word.confidence, BBox(x0=x0, y0=box.y0, x1=box.x1, y1=box.y1), word.line_key)


def _union(words: Sequence[Word]) -> BBox:
    box = words[0].bbox
    for word in words[1:]:
        box = box.union(word.bbox)
    return box


def _region(value: _OpenValue, right: int) -> BBox:
    """Where a value is written: from its first word (or the label's end) to the right margin,
    half a line above and below, so a second reading sees every diacritic."""
    pad = value.line_height // 2
    box = _union(value.words) if value.words else value.label_box
    x0 = box.x0 if value.words else value.label_box.x1
    return BBox(
        x0=x0,
        y0=max(min(box.y0, value.label_box.y0) - pad, 0),
        x1=max(box.x1, right),
        y1=max(box.y1, value.label_box.y1) + pad,
    )


def _form_values(lines: Sequence[Sequence[Word]], register_type: RegisterType) -> list[_OpenValue]:
    """The labelled values of a form's lines, read with one register type's labels."""
    values: list[_OpenValue] = []
    party: Party | None = None
    open_value: _OpenValue | None = None
    for line in lines:
        height = max(1, sorted(w.bbox.height for w in line)[len(line) // 2])
        group = match_party_group(join_text(line).rstrip(": "))
        if group and len(line) <= 3:
            party, open_value = group, None
            continue
        split = _split_label(line, register_type, party)
        if split is not None:
            label, match, value_words, label_box = split
            if match is not None and party and not match.field.startswith(f"{party}_"):
                party = None  # a field outside the party's group ends the group
            open_value = _OpenValue(
                label=label,
                field=match.field if match else None,
                score=match.score if match else 0.0,
                words=value_words,
                label_box=label_box,
                value_x=value_words[0].bbox.x0 if value_words else label_box.x1,
                last_y1=max(w.bbox.y1 for w in line),
                line_height=height,
            )
            values.append(open_value)
            continue
        top = min(w.bbox.y0 for w in line)
        if (
            open_value is not None
            and abs(line[0].bbox.x0 - open_value.value_x) <= 2 * height
            and top - open_value.last_y1 <= CONTINUATION_GAP_LINES * open_value.line_height
        ):
            open_value.words.extend(line)
            open_value.last_y1 = max(w.bbox.y1 for w in line)
        else:
            open_value = None
    return values


def parse_form(
    words: Sequence[Word], heading: PageHeading, *, page_width: int
) -> FormLayout | LayoutNotUnderstood:
    """A form page's ``Label: value`` lines, from the title down.

    Lines above the title (the letterhead) are left out. A marriage form's party heading
    (``Chồng:``, ``Bên vợ:``) puts the lines under it in that party; a line without a label
    that starts under the value above it continues that value (a wrapped address). Without a
    title, the register type whose labels explain clearly most lines is taken.
    """
    lines = group_lines(words)
    if not lines:
        return LayoutNotUnderstood("the page has no text")
    start = 0
    if heading.title is not None:
        title_key = label_key(heading.title)
        for index, line in enumerate(lines):
            if title_key in label_key(join_text(line)):
                start = index + 1
                break
    types = [heading.register_type] if heading.register_type else list(RegisterType)
    readings = sorted(
        ((_form_values(lines[start:], kind), kind) for kind in types),
        key=lambda reading: -sum(v.field is not None for v in reading[0]),
    )
    values, register_type = readings[0]
    known = [v for v in values if v.field is not None]
    if heading.register_type is None:
        rivals = [sum(v.field is not None for v in other) for other, _ in readings[1:]]
        if not known or (rivals and len(known) - max(rivals) < TYPE_MARGIN):
            return LayoutNotUnderstood(
                "no form title was read and the labels do not tell the register type"
            )
    if len(known) < MIN_FORM_FIELDS:
        labels = "; ".join(repr(v.label) for v in values) or "none"
        return LayoutNotUnderstood(
            f"form not recognised: {len(known)} labelled lines matched a {register_type} "
            f"field (labels read: {labels})"
        )
    fields: dict[str, FormValue] = {}
    extra: dict[str, FormValue] = {}
    notes: list[str] = []
    for value in values:
        form_value = FormValue(
            label=value.label,
            words=tuple(value.words),
            region=_region(value, page_width),
            score=value.score,
        )
        if value.field is None:
            extra[" ".join(value.label.split())] = form_value
        elif value.field in fields:
            notes.append(f"label {value.label!r} repeats field {value.field}; first kept")
        else:
            fields[value.field] = form_value
    box = _union([Word("", 1.0, v.label_box.union(_region(v, v.label_box.x1))) for v in values])
    if heading.register_type is None:
        notes.append(f"no form title read; the labels read as a {register_type} form")
    return FormLayout(
        register_type=register_type,
        heading=heading,
        fields=fields,
        extra=extra,
        box=box,
        notes=tuple(notes),
    )
