"""End-to-end extraction of rendered pages of every shape, against their ground truth.

Small books are built here (:func:`synth.render.sample_book`), rendered by :mod:`synth.render`
at the clean level, ingested and read; every field is compared with the truth the renderer wrote.
Born-digital PDFs must come out exact without any OCR call.
"""

from __future__ import annotations

import pickle
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.engine import FieldKind, TesseractEngine, Word
from ocr.extract import PageExtraction, entry_id, extract_page
from ocr.grid import Axis, Ruling, detect_grid, grid_from_rulings
from ocr.ingest import ingest_batch
from ocr.layout import header_depths
from ocr.options import OcrOptions, OrientationMethod
from ocr.pages import PageImage, PageSource, TextLayerPage, batch_page_sources, load_page
from ocr.sniff import FileKind
from schemas.enums import PageShape, RegisterType
from schemas.values import BBox
from synth.books import TruthFile, TruthPage
from synth.render import OutputFormat, RenderOptions, plan_book, render_book, sample_book
from synth.render.book import write_rendered

BATCH = "b1"
CLEAN_TABLE_EXACT = 0.98
"""Least share of fields read exactly on a clean rendered table or form (measured: 0.99-1.0)."""


@pytest.fixture
def options(tmp_path: Path) -> OcrOptions:
    """Default limits (a 300-DPI A3 page is ~17 M pixels), a private quarantine."""
    return OcrOptions(quarantine_dir=tmp_path / "quarantine")


class NoOcr:
    """An engine that fails the test if extraction calls it."""

    def recognize_page(self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None):
        raise AssertionError("a born-digital page was sent to OCR")

    def recognize_region(self, image: np.ndarray, box: BBox, kind: FieldKind, *, dpi: int = 300):
        raise AssertionError("a born-digital page was sent to OCR")


@dataclass
class Rendered:
    """Pages written to a batch folder, with their truth."""

    sources: list[PageSource]
    truths: dict[str, TruthFile]

    def truth(self, source: PageSource) -> TruthPage:
        return self.truths[source.relative_path].pages[source.page_number - 1]


def render(
    folder: Path,
    options: OcrOptions,
    register_type: RegisterType,
    shape: str,
    output: OutputFormat,
    *,
    entries: int = 5,
    year: int = 2019,
    pages: int = 1,
    level: str = "clean",
) -> Rendered:
    book = sample_book(register_type, year, entries, seed=7)
    plan = RenderOptions(seed=3, levels=(level,), shapes=(shape,), table_pages_per_file=(1, 1))
    spec = plan_book(book, plan)[0]
    update: dict[str, object] = {"output": output, "max_pages": pages}
    if output is not OutputFormat.PDF_BORN_DIGITAL:
        update.update(dpi=300, colour=False)
    files = render_book(book, spec.model_copy(update=update))
    write_rendered(files, folder, BATCH)
    result = ingest_batch(folder / "scans" / BATCH, options)
    assert not result.quarantined
    return Rendered(batch_page_sources(result), {f.file_name: f.truth for f in files})


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _iou(a: BBox, b: BBox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / (a.width * a.height + b.width * b.height - width * height)


def _holds(outer: BBox, inner: BBox, slack: int = 2) -> bool:
    """``inner`` lies within ``outer`` (give or take ``slack`` px), which is not much bigger:
    a truth box is its cell less a small inset."""
    within = (
        outer.x0 - slack <= inner.x0
        and outer.y0 - slack <= inner.y0
        and inner.x1 <= outer.x1 + slack
        and inner.y1 <= outer.y1 + slack
    )
    return within and outer.width * outer.height <= 2.0 * inner.width * inner.height


def compare(extraction: PageExtraction, truth: TruthPage) -> tuple[int, int, list[str]]:
    """Fields read exactly, fields in the truth, and what differed."""
    assert len(extraction.entries) == len(truth.entries)
    exact, total, misses = 0, 0, []
    for entry, expected in zip(extraction.entries, truth.entries, strict=True):
        assert entry.provenance.row_index == expected.row_index
        for name, field in expected.fields.items():
            total += 1
            got = entry.fields[name].text if name in entry.fields else None
            if got is not None and _norm(got) == _norm(field.text):
                exact += 1
            else:
                misses.append(f"{name}: {field.text!r} read {got!r}")
    return exact, total, misses


@pytest.mark.parametrize("register_type", list(RegisterType))
def test_born_digital_pdf_is_extracted_exactly_without_ocr(
    tmp_path: Path, options: OcrOptions, register_type: RegisterType
) -> None:
    rendered = render(
        tmp_path, options, register_type, "born_digital", OutputFormat.PDF_BORN_DIGITAL,
        entries=8, pages=2,
    )  # fmt: skip
    for source in rendered.sources:
        page = load_page(source, options)
        assert isinstance(page, TextLayerPage)
        extraction = extract_page(page, options, NoOcr(), batch_id=BATCH)
        truth = rendered.truth(source)
        exact, total, misses = compare(extraction, truth)
        assert misses == [] and exact == total
        assert extraction.page_shape is PageShape.BORN_DIGITAL
        assert extraction.register_type is register_type
        assert extraction.skew_degrees is None
        for entry, expected in zip(extraction.entries, truth.entries, strict=True):
            assert entry.book_year == 2019
            assert entry.book_ward == "Phường Quảng An"
            assert entry.page_shape is PageShape.BORN_DIGITAL
            assert entry.provenance.source_sha256 == source.sha256
            assert entry.provenance.batch_id == BATCH
            assert _holds(entry.provenance.bbox, expected.bbox)
            for name, field in expected.fields.items():
                assert _holds(entry.fields[name].bbox, field.bbox), name
                assert entry.fields[name].confidence == 1.0


def test_clean_ruled_table_matches_its_truth(tmp_path: Path, options: OcrOptions) -> None:
    rendered = render(tmp_path, options, RegisterType.BIRTH, "ruled_table", OutputFormat.PNG)
    (source,) = rendered.sources
    extraction = extract_page(
        load_page(source, options), options, TesseractEngine(options), batch_id=BATCH
    )
    truth = rendered.truth(source)
    exact, total, misses = compare(extraction, truth)
    assert exact / total >= CLEAN_TABLE_EXACT, misses
    assert extraction.page_shape is PageShape.RULED_TABLE
    assert extraction.register_type is RegisterType.BIRTH
    assert extraction.skew_degrees == pytest.approx(0.0, abs=0.2)
    assert (extraction.width, extraction.height) == (truth.width_px, truth.height_px)
    for entry, expected in zip(extraction.entries, truth.entries, strict=True):
        assert entry.book_year == 2019
        assert _holds(entry.provenance.bbox, expected.bbox, slack=6)
        for name, field in expected.fields.items():
            assert _holds(entry.fields[name].bbox, field.bbox, slack=6), name
            assert 0.0 <= entry.fields[name].confidence <= 1.0


def test_clean_form_page_matches_its_truth(tmp_path: Path, options: OcrOptions) -> None:
    rendered = render(tmp_path, options, RegisterType.DEATH, "form", OutputFormat.TIFF)
    source = rendered.sources[0]
    extraction = extract_page(
        load_page(source, options), options, TesseractEngine(options), batch_id=BATCH
    )
    exact, total, misses = compare(extraction, rendered.truth(source))
    assert exact / total >= CLEAN_TABLE_EXACT, misses
    assert extraction.page_shape is PageShape.FORM
    assert extraction.register_type is RegisterType.DEATH
    (entry,) = extraction.entries
    assert entry.book_ward == "PHƯỜNG QUẢNG AN"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("register_type", "output"),
    [
        (RegisterType.MARRIAGE, OutputFormat.PDF_SCANNED),
        (RegisterType.DEATH, OutputFormat.TIFF_MULTIPAGE),
    ],
)
def test_multi_page_scans_match_their_truth(
    tmp_path: Path, options: OcrOptions, register_type: RegisterType, output: OutputFormat
) -> None:
    rendered = render(
        tmp_path, options, register_type, "ruled_table", output, entries=40, pages=2,
        level="mild",
    )  # fmt: skip
    assert len(rendered.sources) == 2
    engine = TesseractEngine(options)
    exact = total = 0
    for source in rendered.sources:
        extraction = extract_page(load_page(source, options), options, engine, batch_id=BATCH)
        assert extraction.page_number == source.page_number
        page_exact, page_total, _ = compare(extraction, rendered.truth(source))
        exact, total = exact + page_exact, total + page_total
    assert exact / total >= 0.97


@pytest.mark.slow
def test_a_page_scanned_sideways_is_turned_and_read(tmp_path: Path, options: OcrOptions) -> None:
    rendered = render(tmp_path, options, RegisterType.BIRTH, "form", OutputFormat.PNG)
    source = rendered.sources[0]
    with Image.open(source.path) as image:
        image.transpose(Image.Transpose.ROTATE_90).save(source.path, dpi=(300, 300))
    page = load_page(source, options)
    extraction = extract_page(page, options, TesseractEngine(options), batch_id=BATCH)
    assert extraction.rotation in (90, 270)
    truth = rendered.truth(source)
    (entry,) = extraction.entries
    texts = {name: _norm(field.text) for name, field in entry.fields.items()}
    expected = {name: _norm(field.text) for name, field in truth.entries[0].fields.items()}
    agree = sum(texts.get(name) == text for name, text in expected.items())
    assert agree / len(expected) >= CLEAN_TABLE_EXACT


def _text_layer_page(header: list[str], tmp_path: Path) -> TextLayerPage:
    """A born-digital page made by hand: a 4-row table with ``header`` over its columns."""
    xs = [100 + 400 * i for i in range(len(header) + 1)]
    ys = [300, 400, 480, 560, 640]
    rulings = [Ruling(Axis.HORIZONTAL, y, xs[0], xs[-1]) for y in ys]
    rulings += [Ruling(Axis.VERTICAL, x, ys[0], ys[-1]) for x in xs]
    words = [Word("SỔ", 1.0, BBox(x0=900, y0=100, x1=960, y1=140))]
    words += [Word("ĐĂNG KÝ KHAI SINH", 1.0, BBox(x0=980, y0=100, x1=1400, y1=140))]
    for col, label in enumerate(header):
        words.append(Word(label, 1.0, BBox(x0=xs[col] + 10, y0=330, x1=xs[col] + 300, y1=370)))
        words.append(Word(f"v{col}", 1.0, BBox(x0=xs[col] + 10, y0=420, x1=xs[col] + 60, y1=450)))
    source = PageSource(
        path=tmp_path / "made.pdf",
        relative_path="made.pdf",
        sha256="a" * 64,
        kind=FileKind.PDF,
        page_number=1,
    )
    return TextLayerPage(
        source=source,
        words=tuple(words),
        rulings=tuple(rulings),
        grid=grid_from_rulings(rulings, width=2500, height=3500),
        width=2500,
        height=3500,
    )


def test_a_table_with_no_register_header_is_reported_not_understood(
    tmp_path: Path, options: OcrOptions
) -> None:
    page = _text_layer_page(["Mã hàng", "Đơn giá", "Số lượng", "Thành tiền"], tmp_path)
    extraction = extract_page(page, options, NoOcr(), batch_id=BATCH)
    assert not extraction.understood
    assert extraction.entries == []
    assert extraction.not_understood.startswith("header not recognised: 0 of 4 columns")
    assert len(extraction.cells) == 16  # the grid is kept for the overlay


def test_unknown_columns_are_kept_as_extra_and_blank_rows_skipped(
    tmp_path: Path, options: OcrOptions
) -> None:
    page = _text_layer_page(["Số", "Họ và tên", "Nghề nghiệp", "Ngày sinh"], tmp_path)
    extraction = extract_page(page, options, NoOcr(), batch_id=BATCH)
    assert extraction.understood
    (entry,) = extraction.entries  # rows 2 and 3 are blank
    assert {name: f.text for name, f in entry.fields.items()} == {
        "registration_number": "v0",
        "full_name": "v1",
        "date_of_birth": "v3",
    }
    assert {name: f.text for name, f in entry.extra.items()} == {"Nghề nghiệp": "v2"}


def test_extraction_is_picklable_and_its_ids_stable(tmp_path: Path, options: OcrOptions) -> None:
    page = _text_layer_page(["Số", "Họ và tên", "Ngày sinh", "Giới tính"], tmp_path)
    pickle.loads(pickle.dumps(page))
    first = extract_page(page, options, None, batch_id=BATCH)
    again = pickle.loads(pickle.dumps(extract_page, protocol=5))(
        page, options, None, batch_id=BATCH
    )
    assert pickle.loads(pickle.dumps(first)) == first == again
    (entry,) = first.entries
    assert entry.entry_id == entry_id("a" * 64, 1, 1)
    assert len({entry_id("a" * 64, 1, row) for row in range(1, 50)}) == 49
    assert entry_id("a" * 64, 1, 1) != entry_id("a" * 64, 2, 1)


class _BlindEngine:
    """Reads nothing anywhere, and counts how often it was asked."""

    def __init__(self) -> None:
        self.page_calls = 0
        self.region_calls = 0

    def recognize_page(
        self, image: np.ndarray, *, dpi: int = 300, psm: int | None = None
    ) -> list[Word]:
        self.page_calls += 1
        return []

    def recognize_region(
        self, image: np.ndarray, box: BBox, field_kind: FieldKind, *, dpi: int = 300
    ) -> list[Word]:
        self.region_calls += 1
        return []


def test_a_table_without_any_readable_title_or_label_is_given_up_without_cell_rereads(
    make_table: Callable[..., object], tmp_path: Path
) -> None:
    """Such a page lies sideways or is not a register: re-reading every header cell once more
    on its own (two calls per cell) would not save it. Each header cell is read at most once
    after the band (a blank cell with ink), then the page is reported."""
    table = make_table()
    source = PageSource(tmp_path / "t.png", "t.png", "0" * 64, FileKind.PNG, 1)
    page = PageImage(source=source, image=table.image, dpi=300)
    options = OcrOptions(quarantine_dir=tmp_path / "q", orientation=OrientationMethod.NONE)
    engine = _BlindEngine()
    extraction = extract_page(page, options, engine, batch_id=BATCH)
    assert extraction.not_understood is not None
    assert extraction.cells  # the grid was found: the layout, not the scan, is what failed
    grid = detect_grid(table.image).grid
    assert grid is not None
    header_cells = [cell for cell in grid.cells if cell.row < max(header_depths(grid))]
    assert engine.region_calls <= len(header_cells)
    assert engine.page_calls <= 1 + len(header_cells)  # the band, then one line each at most
