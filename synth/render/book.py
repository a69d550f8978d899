"""Render register books into scan files with their ground truth.

A book is planned (:func:`plan_book`) into slices of consecutive entries, each slice with its
own page shape, degradation level and file format, cycling through the requested combinations
so every one of them appears; each entry lands on exactly one page of one file. A slice is then
rendered (:func:`render_book`) into files, each carrying a :class:`~synth.books.TruthFile`.
The ``born_digital`` shape at the ``clean`` level is the registry software's PDF (text layer);
at any other level it is that software's printout, scanned: a ``ruled_table`` page in the truth.

Truth conventions beyond :mod:`schemas.values`: a field's ``text`` is the written text as
printed (NFC, whitespace collapsed, ``''`` for a blank cell); its box is the inside of the cell
(tables) or the value's area after the label (forms). On PDF pages ``width_px``, ``height_px``,
``dpi`` and every box are on the 300-DPI grid, whatever the resolution of embedded scans.
``header_labels`` and ``column_order`` are filled for forms too (the labels and order of lines).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import ValidationError

from civreg.errors import DataValidationError, InputFileError
from schemas.values import PDF_BBOX_DPI
from synth.books import RegisterBook, TruthEntry, TruthField, TruthFile, TruthPage
from synth.render.degrade import ScannedPage, corners_to_bbox, scan
from synth.render.encode import encode_jpeg, encode_png, encode_scanned_pdf, encode_tiff
from synth.render.layout import (
    PageLayout,
    estimated_rows_per_page,
    layout_form_pages,
    layout_table_pages,
    table_fits,
)
from synth.render.pdf import encode_born_digital_pdf
from synth.render.raster import (
    BLACK_INK,
    BLUE_BLACK_INK,
    CREAM_PAPER,
    WHITE,
    Inking,
    layout_boxes,
    rasterize,
)
from synth.render.spec import (
    LEVELS,
    SCAN_FORMATS,
    FontFamily,
    LevelName,
    OutputFormat,
    PageShapeName,
    PageSpec,
    PaperName,
    RenderOptions,
    derive_seed,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

TABLE_FONT_SIZES = (9.0, 9.5, 10.0, 10.5, 11.0)
FORM_FONT_SIZES = (10.0, 10.5, 11.0)
REGISTER_FAMILIES: tuple[FontFamily, ...] = ("serif", "sans", "serif_condensed", "sans_condensed")
SOFTWARE_FAMILIES: tuple[FontFamily, ...] = ("sans", "sans_condensed")
_PAPERS_BY_WIDTH: tuple[tuple[PaperName, bool], ...] = (
    ("A4", False),
    ("A4", True),
    ("A3", False),
    ("A3", True),
)


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its name, its bytes and its ground truth."""

    file_name: str
    data: bytes
    truth: TruthFile


# --- planning -------------------------------------------------------------------------------


def _combinations(options: RenderOptions) -> list[tuple[PageShapeName, LevelName]]:
    combos = [(shape, level) for shape in options.shapes for level in options.levels]
    if not combos:
        raise DataValidationError("no page shape or no degradation level selected")
    return combos


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def _fit_table(book: RegisterBook, spec: PageSpec, rng: np.random.Generator) -> PageSpec:
    """The spec with a paper, font size and row height that the book's widest page fits."""
    level = spec.degradation
    preferred = ("A3" if rng.random() < level.a3_probability else "A4", bool(rng.random() < 0.75))
    papers = [preferred, *(p for p in _PAPERS_BY_WIDTH if p != preferred)]
    sizes = [size for size in TABLE_FONT_SIZES if size <= spec.font_size_pt][::-1]
    for paper, landscape in papers:
        for size in sizes:
            for lines in (2, 3):
                candidate = spec.model_copy(
                    update={
                        "paper": paper,
                        "landscape": landscape,
                        "font_size_pt": size,
                        "lines_per_row": lines,
                    }
                )
                if table_fits(book, candidate):
                    return candidate
    raise DataValidationError(
        f"book {book.book_id}: its columns fit on no paper up to A3 landscape at 9 pt",
        hint="some written value is far too long for a register cell",
    )


def _draw_spec(
    book: RegisterBook,
    rng: np.random.Generator,
    options: RenderOptions,
    *,
    shape: PageShapeName,
    level_name: LevelName,
    segment: int,
    start: int,
) -> PageSpec:
    level = LEVELS[level_name]
    born_digital_pdf = shape == "born_digital" and level_name == "clean"
    common = {
        "segment": segment,
        "entry_start": start,
        "shape": shape,
        "level": level_name,
        "dpi": PDF_BBOX_DPI if born_digital_pdf else int(_pick(rng, level.dpi_choices)),
        "colour": bool(rng.random() < level.colour_probability) and not born_digital_pdf,
        "seed": derive_seed(options.seed, book.book_id, segment),
        "output": OutputFormat.PDF_BORN_DIGITAL if born_digital_pdf else _pick(rng, SCAN_FORMATS),
    }
    total = len(book.entries)
    if shape == "form":
        low, high = options.forms_per_file
        count = int(rng.integers(low, high + 1))
        return PageSpec(
            **common,
            entry_stop=min(total, start + count),
            font_family=_pick(rng, ("serif", "sans")),
            font_size_pt=_pick(rng, FORM_FONT_SIZES),
            lines_per_row=1,
        )
    families = SOFTWARE_FAMILIES if shape == "born_digital" else REGISTER_FAMILIES
    sizes = TABLE_FONT_SIZES[:3] if shape == "born_digital" else TABLE_FONT_SIZES
    draft = PageSpec(
        **common,
        entry_stop=start + 1,
        font_family=_pick(rng, families),
        font_size_pt=_pick(rng, sizes),
    )
    fitted = _fit_table(book, draft, rng)
    low, high = options.table_pages_per_file
    count = int(rng.integers(low, high + 1)) * estimated_rows_per_page(fitted)
    return fitted.model_copy(update={"entry_stop": min(total, start + count)})


def plan_book(book: RegisterBook, options: RenderOptions) -> list[PageSpec]:
    """Slice a book into files, cycling through the requested shapes and levels."""
    combos = _combinations(options)
    rng = np.random.default_rng(derive_seed(options.seed, book.book_id, "plan"))
    offset = int(rng.integers(len(combos)))
    specs: list[PageSpec] = []
    start = 0
    while start < len(book.entries):
        shape, level = combos[(offset + len(specs)) % len(combos)]
        spec = _draw_spec(
            book, rng, options, shape=shape, level_name=level, segment=len(specs), start=start
        )
        specs.append(spec)
        start = spec.entry_stop
    return specs


# --- rendering ------------------------------------------------------------------------------


def _layout_rng(spec: PageSpec) -> Callable[[int], np.random.Generator]:
    """Layout choices per page, independent of the scan's randomness: a page keeps its columns
    and labels whatever degradation it is scanned at."""
    return lambda page: np.random.default_rng(derive_seed(spec.seed, "layout", page))


def _layouts(book: RegisterBook, spec: PageSpec) -> list[PageLayout]:
    entries = book.entries[spec.entry_start : spec.entry_stop]
    if not entries:
        raise DataValidationError(
            f"book {book.book_id}: spec {spec.segment} selects no entry "
            f"({spec.entry_start}:{spec.entry_stop} of {len(book.entries)})"
        )
    if spec.shape == "form":
        return layout_form_pages(book, entries, spec, _layout_rng(spec))
    style = "software" if spec.shape == "born_digital" else "register"
    first_page = 1 + spec.entry_start // max(1, estimated_rows_per_page(spec))
    return layout_table_pages(
        book, entries, spec, style=style, page_rng=_layout_rng(spec), first_page_number=first_page
    )


def _inking(spec: PageSpec, rng: np.random.Generator) -> Inking:
    low, high = spec.degradation.ink_strength
    strength = float(rng.uniform(low, high))
    if spec.colour:
        return Inking(CREAM_PAPER, _pick(rng, (BLACK_INK, BLUE_BLACK_INK)), strength, colour=True)
    if spec.level == "clean":
        return Inking(WHITE, BLACK_INK, strength)
    grey = int(rng.integers(236, 253))
    return Inking((grey, grey, grey), BLACK_INK, strength)


def _scan_page(layout: PageLayout, spec: PageSpec, page_number: int) -> ScannedPage:
    rng = np.random.default_rng(derive_seed(spec.seed, "scan", page_number))
    inking = _inking(spec, rng)
    return scan(rasterize(layout, spec.dpi, inking), spec.degradation, inking, rng)


def _truth_page(
    layout: PageLayout,
    spec: PageSpec,
    *,
    page_number: int,
    corners: np.ndarray,
    size: tuple[float, float],
    dpi: int,
    scale: float,
    scanned: ScannedPage | None,
) -> TruthPage:
    """Truth of one page; ``corners`` are in the file's pixels, ``scale`` maps them to the grid."""
    width, height = round(size[0] * scale), round(size[1] * scale)
    boxes = iter(corners_to_bbox(quad, width, height, scale) for quad in corners)
    entries = []
    for row_index, entry in enumerate(layout.entries, start=1):
        row_box = next(boxes)
        fields = {
            name: TruthField(text=field.text, bbox=next(boxes))
            for name, field in entry.fields.items()
        }
        entries.append(
            TruthEntry(entry_key=entry.entry_key, row_index=row_index, bbox=row_box, fields=fields)
        )
    if spec.output is OutputFormat.PDF_BORN_DIGITAL:
        shape = "born_digital"
    else:
        shape = "form" if spec.shape == "form" else "ruled_table"
    return TruthPage(
        page_number=page_number,
        page_shape=shape,
        width_px=width,
        height_px=height,
        dpi=dpi,
        skew_degrees=scanned.skew_degrees if scanned else 0.0,
        rotation=scanned.rotation if scanned else 0,
        degradation=spec.level if scanned else "clean",
        header_labels=layout.header_labels,
        column_order=layout.column_order,
        entries=entries,
    )


def _base_name(book: RegisterBook, spec: PageSpec) -> str:
    return f"{book.book_id}-{spec.segment:02d}-{spec.shape}-{spec.level}"


def _truth_file(name: str, book: RegisterBook, spec: PageSpec, pages: list[TruthPage]) -> TruthFile:
    return TruthFile(
        file_name=name,
        file_format=spec.output.truth_format,
        book_id=book.book_id,
        register_type=book.register_type,
        pages=pages,
    )


def render_book(book: RegisterBook, spec: PageSpec) -> list[RenderedFile]:
    """Render the slice of ``book`` that ``spec`` selects into files with their truth."""
    layouts = _layouts(book, spec)
    base = _base_name(book, spec)
    if spec.output is OutputFormat.PDF_BORN_DIGITAL:
        if spec.shape != "born_digital":
            raise DataValidationError(
                f"book {book.book_id}, spec {spec.segment}: a born-digital PDF needs the "
                f"born_digital shape, not {spec.shape}"
            )
        scale = PDF_BBOX_DPI / 72.0
        pages = []
        for number, layout in enumerate(layouts, start=1):
            corners = np.array([box.corners() for box in layout_boxes(layout)]).reshape(-1, 4, 2)
            size = (layout.width_pt, layout.height_pt)
            pages.append(
                _truth_page(
                    layout,
                    spec,
                    page_number=number,
                    corners=corners,
                    size=size,
                    dpi=PDF_BBOX_DPI,
                    scale=scale,
                    scanned=None,
                )
            )
        name = f"{base}.pdf"
        title = f"{book.book_id} ({spec.entry_start + 1}-{spec.entry_stop})"
        data = encode_born_digital_pdf(layouts, title)
        return [RenderedFile(name, data, _truth_file(name, book, spec, pages))]

    scans = [_scan_page(layout, spec, number) for number, layout in enumerate(layouts, start=1)]
    level = spec.degradation
    if spec.output in (OutputFormat.PNG, OutputFormat.JPEG, OutputFormat.TIFF):
        files = []
        for number, (layout, page) in enumerate(zip(layouts, scans, strict=True), start=1):
            name = f"{base}-p{number:02d}.{spec.output.extension}"
            if spec.output is OutputFormat.PNG:
                data = encode_png(page.image, page.dpi)
            elif spec.output is OutputFormat.JPEG:
                data = encode_jpeg(page.image, page.dpi, level.lossy_save_quality)
            else:
                data = encode_tiff([page.image], page.dpi)
            truth = _truth_page(
                layout,
                spec,
                page_number=1,
                corners=page.corners,
                size=page.image.size,
                dpi=page.dpi,
                scale=1.0,
                scanned=page,
            )
            files.append(RenderedFile(name, data, _truth_file(name, book, spec, [truth])))
        return files

    name = f"{base}.{spec.output.extension}"
    if spec.output is OutputFormat.TIFF_MULTIPAGE:
        data = encode_tiff([page.image for page in scans], spec.dpi)
        scale, dpi = 1.0, spec.dpi
    else:
        lossy = level.lossy_save_quality if (level.jpeg_quality or spec.colour) else None
        data = encode_scanned_pdf([page.image for page in scans], spec.dpi, lossy)
        scale, dpi = PDF_BBOX_DPI / spec.dpi, PDF_BBOX_DPI
    pages = [
        _truth_page(
            layout,
            spec,
            page_number=number,
            corners=page.corners,
            size=page.image.size,
            dpi=dpi,
            scale=scale,
            scanned=page,
        )
        for number, (layout, page) in enumerate(zip(layouts, scans, strict=True), start=1)
    ]
    return [RenderedFile(name, data, _truth_file(name, book, spec, pages))]


# --- districts and files --------------------------------------------------------------------


def load_books(district_dir: Path) -> list[RegisterBook]:
    """Read ``DIR/books/*.json`` in name order; a bad file is reported by its path."""
    paths = sorted((district_dir / "books").glob("*.json"))
    if not paths:
        raise InputFileError(str(district_dir / "books"), "no register books (*.json) found")
    books = []
    for path in paths:
        try:
            books.append(RegisterBook.model_validate_json(path.read_bytes()))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InputFileError(
                str(path), f"not a register book: {where}: {first['msg']}"
            ) from exc
    return books


def plan_district(
    books: Iterable[RegisterBook], options: RenderOptions
) -> list[tuple[RegisterBook, PageSpec]]:
    """Every (book, spec) pair of a run, in book order."""
    return [(book, spec) for book in books for spec in plan_book(book, options)]


def render_planned(
    plan: Iterable[tuple[RegisterBook, PageSpec]], limit_pages: int | None = None
) -> Iterator[tuple[RegisterBook, list[RenderedFile]]]:
    """Render a plan in order, stopping once ``limit_pages`` pages have been rendered."""
    remaining = limit_pages
    for book, planned in plan:
        spec = planned
        if remaining is not None:
            if remaining <= 0:
                return
            spec = planned.model_copy(
                update={"max_pages": min(remaining, planned.max_pages or remaining)}
            )
        files = render_book(book, spec)
        if remaining is not None:
            remaining -= sum(len(file.truth.pages) for file in files)
        yield book, files


def write_rendered(files: Iterable[RenderedFile], out_dir: Path, batch_name: str) -> list[Path]:
    """Write ``OUT/scans/<batch>/<file>`` and its truth ``OUT/truth/<batch>/<file>.json``."""
    scan_dir = out_dir / "scans" / batch_name
    truth_dir = out_dir / "truth" / batch_name
    scan_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file in files:
        path = scan_dir / file.file_name
        path.write_bytes(file.data)
        (truth_dir / f"{file.file_name}.json").write_text(
            file.truth.model_dump_json(indent=2), encoding="utf-8"
        )
        written.append(path)
    log.debug("wrote %d files to %s", len(written), scan_dir)
    return written
