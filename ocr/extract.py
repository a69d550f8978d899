"""Extraction: one page in, its raw register entries out (a :class:`PageExtraction`).

A page is a scan (:class:`~ocr.pages.PageImage`) or a born-digital PDF page
(:class:`~ocr.pages.TextLayerPage`); both go through the same layout code, the second without
preprocessing or OCR. :func:`extract_page` is pure and its inputs and output pickle, so a flow
can run one task per page in any process.

Boxes in the output are in the source's pixels: the image file's own grid, or the 300-DPI grid
of a PDF page (:data:`schemas.values.PDF_BBOX_DPI`), whatever the page was rendered or scaled at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from ocr.engine import FieldKind, OcrEngine, Word, assign_words_to_cells, join_text
from ocr.grid import Cell, Grid, detect_grid
from ocr.labels import MIN_LABEL_SCORE, field_kind, field_scores
from ocr.layout import (
    FormLayout,
    LayoutNotUnderstood,
    PageHeading,
    TableLayout,
    header_depths,
    line_segments,
    map_table,
    parse_form,
    read_heading,
)
from ocr.options import OcrOptions, OrientationMethod
from ocr.pages import Page, PageImage, PageSource, TextLayerPage
from ocr.postcorrect import correct_words
from ocr.preprocess import PreprocessedPage, orientation_of, preprocess, rotate_quarter_turns
from ocr.recognize import (
    BAND_PSM,
    Canvas,
    Reading,
    field_confidence,
    make_canvas,
    preprocess_options,
    read_band,
    read_cells,
    read_columns,
    read_line,
    read_page,
    reread,
    settle,
    wants_binary,
)
from ocr.sniff import FileKind
from schemas.enums import PageShape, RegisterType
from schemas.records import RawEntry, RawField
from schemas.values import PDF_BBOX_DPI, BBox, Provenance

BoxMap = Callable[[BBox], BBox]


class PageExtraction(BaseModel):
    """What one page gave: its entries, or why it could not be read, and how it was read."""

    model_config = ConfigDict(frozen=True)

    source_path: str
    source_sha256: str
    page_number: int = Field(ge=1)
    page_shape: PageShape | None = None
    register_type: RegisterType | None = None
    entries: list[RawEntry] = Field(default_factory=list)
    not_understood: str | None = Field(
        None, description="Why the layout could not be understood; None when it was."
    )
    width: int = Field(ge=0, description="Page width in the pixels boxes are given in.")
    height: int = Field(ge=0)
    dpi: int = Field(ge=1, description="Resolution of the pixels boxes are given in.")
    rotation: int = Field(0, description="Quarter turn applied to make the page upright.")
    skew_degrees: float | None = Field(None, description="Skew measured (None: not a scan).")
    cells: list[BBox] = Field(
        default_factory=list, description="Every cell of the ruling grid (for overlays)."
    )
    issues: list[str] = Field(default_factory=list, description="What a reviewer should know.")

    @property
    def understood(self) -> bool:
        return self.not_understood is None


def entry_id(source_sha256: str, page_number: int, row_index: int) -> str:
    """Stable id of an entry: the same file, page and row always give the same id."""
    return hashlib.sha256(f"{source_sha256}:{page_number}:{row_index}".encode()).hexdigest()


def extract_page(
    page: Page, options: OcrOptions, engine: OcrEngine | None, *, batch_id: str
) -> PageExtraction:
    """Read one page into raw entries; ``engine`` is only used for scans (may be ``None``
    for born-digital pages)."""
    if isinstance(page, TextLayerPage):
        return _extract_text_layer(page, batch_id)
    if engine is None:
        raise ValueError(f"{page.source.relative_path} page {page.page_number}: a scan needs OCR")
    return _extract_scan(page, options, engine, batch_id)


@dataclass(frozen=True)
class _Output:
    """Where a page's entries go: the page record so far, how boxes map back to the source,
    the batch, and whether texts are OCR output to post-correct."""

    base: PageExtraction
    to_source: BoxMap
    batch_id: str
    corrected: bool


# --- born-digital pages ---------------------------------------------------------------------


def _extract_text_layer(page: TextLayerPage, batch_id: str) -> PageExtraction:
    base = _base(page.source, page.width, page.height, page.dpi, PageShape.BORN_DIGITAL)
    out = _Output(base, _same, batch_id, corrected=False)
    grid = page.grid.grid
    words = list(page.words)
    if grid is None:
        heading = read_heading([join_text(s) for s in line_segments(words)])
        form = parse_form(words, heading, page_width=page.width)
        if isinstance(form, LayoutNotUnderstood):
            return _not_understood(out, form)
        readings = {name: _exact(value.words) for name, value in form.fields.items()}
        extras = {name: _exact(value.words) for name, value in form.extra.items()}
        return _form_extraction(out, form, readings, extras)
    heading = _table_heading(words, grid)
    table = map_table(grid, _header_texts(words, grid), heading)
    if isinstance(table, LayoutNotUnderstood):
        return _not_understood(out, table, grid)
    cells = assign_words_to_cells(words, _body_cells(table, grid))
    readings = {cell: _exact(cell_words) for cell, cell_words in cells.items()}
    return _table_extraction(out, table, grid, readings)


def _exact(words: Sequence[Word]) -> Reading:
    return Reading(join_text(words), 1.0, tuple(words), blank=not words)


def _same(box: BBox) -> BBox:
    return box


# --- scans ----------------------------------------------------------------------------------


def _extract_scan(
    page: PageImage, options: OcrOptions, engine: OcrEngine, batch_id: str
) -> PageExtraction:
    """Read a scan; when its layout is not understood, try it turned by the other quarter
    turns (the one orientation detection suggests first): the page may lie sideways, and
    detection errs on the worst scans."""
    prepared = preprocess(page, preprocess_options(options))
    first = _read_prepared(page, prepared, options, engine, batch_id)
    if first.understood or options.orientation is OrientationMethod.NONE:
        return first
    for turn in _turns_to_try(prepared, options):
        image, matrix = rotate_quarter_turns(prepared.image, turn)
        turned = replace(
            prepared,
            image=image,
            rotation=(prepared.rotation + turn) % 360,
            transform=matrix @ prepared.transform,
            grid=detect_grid(image),
            steps=(*prepared.steps, f"turned {turn}° more: not understood as it was"),
        )
        again = _read_prepared(page, turned, options, engine, batch_id)
        if again.understood:
            note = f"read turned {turn}° from the scan's orientation ({first.not_understood})"
            return again.model_copy(update={"issues": [note, *again.issues]})
    return first


def _turns_to_try(prepared: PreprocessedPage, options: OcrOptions) -> list[int]:
    """Quarter turns to try on a page not understood as it is: all three, the one OSD
    suggests first when it was not run before (:attr:`OrientationMethod.OSD_ON_FAILURE`)."""
    turns = [180, 90, 270]
    if options.orientation is OrientationMethod.OSD_ON_FAILURE:
        found = orientation_of(prepared.image, prepared.grid, prepared.dpi, options)
        if found.rotate_clockwise in turns:
            turns.remove(found.rotate_clockwise)
            turns.insert(0, found.rotate_clockwise)
    return turns


def _read_prepared(
    page: PageImage,
    prepared: PreprocessedPage,
    options: OcrOptions,
    engine: OcrEngine,
    batch_id: str,
) -> PageExtraction:
    height, width = page.image.shape[:2]
    factor = _pdf_factor(page)
    base = _base(
        page.source,
        round(width * factor),
        round(height * factor),
        PDF_BBOX_DPI if factor != 1.0 else page.dpi,
        PageShape.RULED_TABLE,
    ).model_copy(update={"rotation": prepared.rotation, "skew_degrees": prepared.skew_degrees})
    out = _Output(base, _source_mapping(page, prepared), batch_id, corrected=True)
    grid = prepared.grid.grid  # found on this very image (preprocessing never binarizes here)
    canvas = make_canvas(
        prepared.image,
        prepared.dpi,
        grid,
        binarize=wants_binary(prepared, options),
        line_mask=prepared.grid.line_mask,
    )
    if grid is None:
        return _scan_form(out, canvas, options, engine)
    depth = max(header_depths(grid))
    band = BBox(x0=0, y0=0, x1=prepared.image.shape[1], y1=grid.row_lines[depth])
    band_words = read_band(engine, canvas, band)
    heading = _table_heading(band_words, grid)
    header_cells = dict.fromkeys((cell for cell in grid.cells if cell.row < depth), FieldKind.TEXT)
    header = read_cells(engine, canvas, header_cells, band_words)
    table = map_table(grid, {cell: reading.text for cell, reading in header.items()}, heading)
    table = _read_header_again(engine, canvas, grid, heading=heading, header=header, table=table)
    if isinstance(table, LayoutNotUnderstood):
        return _not_understood(out, table, grid)
    kinds = {col: field_kind(name) for col, name in table.mapped.items()}
    kinds.update(dict.fromkeys(table.extra, FieldKind.TEXT))
    words = read_columns(engine, canvas, grid, kinds, table.header_rows)
    targets = {cell: kinds[cell.col] for cell in _body_cells(table, grid)}
    readings = read_cells(engine, canvas, targets, words)
    return _table_extraction(out, table, grid, readings)


def _read_header_again(
    engine: OcrEngine,
    canvas: Canvas,
    grid: Grid,
    *,
    heading: PageHeading,
    header: Mapping[Cell, Reading],
    table: TableLayout | LayoutNotUnderstood,
) -> TableLayout | LayoutNotUnderstood:
    """The header cells over unrecognised columns read again on their own, kept if more
    columns are recognised: sparse-text reading of the band misses a narrow label wrapped on
    three lines ("Năm / sinh / mẹ")."""
    if isinstance(table, TableLayout):
        unknown = {c.col for c in table.columns if c.field is None}
    elif heading.register_type is None and not any(map(_reads_as_label, header.values())):
        # Neither title nor any header label read: a page lying sideways or upside down, or
        # not a register. Re-reading each header cell (two calls each) would not save it.
        return table
    else:
        unknown = set(range(grid.n_cols))
    cells = {cell for cell in header if unknown & set(range(cell.col, cell.col + cell.col_span))}
    if not cells:
        return table
    again = dict(header)
    for cell in cells:
        sparse = read_line(engine, canvas, cell.box, psm=BAND_PSM)
        if sparse:
            again[cell] = Reading(join_text(sparse), field_confidence(sparse), tuple(sparse))
        else:
            again[cell] = reread(engine, canvas, cell.box, FieldKind.TEXT, header[cell])
    second = map_table(grid, {cell: reading.text for cell, reading in again.items()}, heading)
    if isinstance(second, LayoutNotUnderstood):
        return table
    if isinstance(table, LayoutNotUnderstood) or len(second.mapped) > len(table.mapped):
        return second
    return table


def _reads_as_label(reading: Reading) -> bool:
    """Whether a header cell's text matches a column label of any register."""
    return any(
        max(field_scores(reading.text, register_type).values(), default=0.0) >= MIN_LABEL_SCORE
        for register_type in RegisterType
    )


def _scan_form(
    out: _Output, canvas: Canvas, options: OcrOptions, engine: OcrEngine
) -> PageExtraction:
    out = replace(out, base=out.base.model_copy(update={"page_shape": PageShape.FORM}))
    words = read_page(engine, canvas, options.page_psm)
    heading = read_heading([join_text(s) for s in line_segments(words)])
    form = parse_form(words, heading, page_width=canvas.page.shape[1])
    if isinstance(form, LayoutNotUnderstood):
        return _not_understood(out, form)
    readings = {
        name: settle(engine, canvas, value.region, field_kind(name), value.words)
        for name, value in form.fields.items()
    }
    extras = {
        name: settle(engine, canvas, value.region, FieldKind.TEXT, value.words)
        for name, value in form.extra.items()
    }
    return _form_extraction(out, form, readings, extras)


def _pdf_factor(page: PageImage) -> float:
    """Scale from a rendered PDF page's pixels to the 300-DPI box grid (1 for image files)."""
    return PDF_BBOX_DPI / page.dpi if page.source.kind is FileKind.PDF else 1.0


def _source_mapping(page: PageImage, prepared: PreprocessedPage) -> BoxMap:
    factor = _pdf_factor(page)

    def to_source(box: BBox) -> BBox:
        source = prepared.to_source_box(box)
        if factor == 1.0:
            return source
        return BBox(
            x0=round(source.x0 * factor),
            y0=round(source.y0 * factor),
            x1=round(source.x1 * factor),
            y1=round(source.y1 * factor),
        )

    return to_source


# --- shared ---------------------------------------------------------------------------------


def _base(
    source: PageSource, width: int, height: int, dpi: int, shape: PageShape
) -> PageExtraction:
    return PageExtraction(
        source_path=source.relative_path,
        source_sha256=source.sha256,
        page_number=source.page_number,
        page_shape=shape,
        width=width,
        height=height,
        dpi=dpi,
    )


def _table_heading(words: Sequence[Word], grid: Grid) -> PageHeading:
    top = grid.row_lines[0]
    above = [word for word in words if word.centre[1] < top]
    return read_heading([join_text(segment) for segment in line_segments(above)])


def _header_texts(words: Sequence[Word], grid: Grid) -> dict[Cell, str]:
    depth = max(header_depths(grid))
    cells = [cell for cell in grid.cells if cell.row < depth]
    return {cell: join_text(found) for cell, found in assign_words_to_cells(words, cells).items()}


def _body_cells(table: TableLayout, grid: Grid) -> list[Cell]:
    wanted = set(table.mapped) | set(table.extra)
    return [cell for row in table.body_rows(grid) for cell in row if cell.col in wanted]


def _not_understood(
    out: _Output, problem: LayoutNotUnderstood, grid: Grid | None = None
) -> PageExtraction:
    cells = [out.to_source(cell.box) for cell in grid.cells] if grid is not None else []
    return out.base.model_copy(
        update={"not_understood": problem.reason, "cells": cells, "issues": [problem.reason]}
    )


def _raw_field(out: _Output, reading: Reading, field: str, box: BBox) -> RawField:
    source_box = out.to_source(box)
    confidence = round(reading.confidence, 3)
    if out.corrected and reading.words:
        fixed = correct_words(reading.words, field)
        return RawField(
            text=fixed.text,
            confidence=confidence,
            bbox=source_box,
            corrections=fixed.corrections,
        )
    return RawField(text=reading.text, confidence=confidence, bbox=source_box)


def _table_extraction(
    out: _Output, table: TableLayout, grid: Grid, readings: Mapping[Cell, Reading]
) -> PageExtraction:
    mapped, extra = table.mapped, table.extra
    entries: list[RawEntry] = []
    rereads = doubtful = 0
    for row in table.body_rows(grid):
        fields: dict[str, RawField] = {}
        extras: dict[str, RawField] = {}
        for cell in row:
            reading = readings.get(cell)
            if reading is None:
                continue
            rereads += reading.reread
            doubtful += reading.doubtful and not reading.reread
            if cell.col in mapped:
                fields[mapped[cell.col]] = _raw_field(out, reading, mapped[cell.col], cell.box)
            else:
                extras[extra[cell.col]] = _raw_field(out, reading, "extra", cell.box)
        if not any(f.text for f in (*fields.values(), *extras.values())):
            continue  # an unused ruled row
        entry = _entry(out, table.register_type, table.heading, len(entries) + 1)
        entries.append(
            entry.model_copy(
                update={
                    "fields": fields,
                    "extra": extras,
                    "provenance": entry.provenance.model_copy(
                        update={"bbox": out.to_source(_union([cell.box for cell in row]))}
                    ),
                }
            )
        )
    issues = list(table.notes)
    if rereads:
        issues.append(f"{rereads} cells read a second time on their own")
    if doubtful:
        issues.append(f"{doubtful} doubtful cells not read again (the page is too damaged)")
    return out.base.model_copy(
        update={
            "register_type": table.register_type,
            "entries": entries,
            "cells": [out.to_source(cell.box) for cell in grid.cells],
            "issues": issues,
        }
    )


def _form_extraction(
    out: _Output,
    form: FormLayout,
    readings: Mapping[str, Reading],
    extras: Mapping[str, Reading],
) -> PageExtraction:
    fields = {
        name: _raw_field(out, reading, name, form.fields[name].region)
        for name, reading in readings.items()
    }
    extra = {
        name: _raw_field(out, reading, "extra", form.extra[name].region)
        for name, reading in extras.items()
    }
    entry = _entry(out, form.register_type, form.heading, 1)
    box = out.to_source(form.box) if form.box else None
    entry = entry.model_copy(
        update={
            "fields": fields,
            "extra": extra,
            "provenance": entry.provenance.model_copy(update={"bbox": box}),
        }
    )
    return out.base.model_copy(
        update={"register_type": form.register_type, "entries": [entry], "issues": list(form.notes)}
    )


def _entry(
    out: _Output, register_type: RegisterType, heading: PageHeading, row_index: int
) -> RawEntry:
    base = out.base
    assert base.page_shape is not None
    return RawEntry(
        entry_id=entry_id(base.source_sha256, base.page_number, row_index),
        register_type=register_type,
        page_shape=base.page_shape,
        book_ward=heading.ward,
        book_year=heading.year,
        provenance=Provenance(
            batch_id=out.batch_id,
            source_path=base.source_path,
            source_sha256=base.source_sha256,
            page_number=base.page_number,
            row_index=row_index,
        ),
    )


def _union(boxes: Sequence[BBox]) -> BBox:
    box = boxes[0]
    for other in boxes[1:]:
        box = box.union(other)
    return box
