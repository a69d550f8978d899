from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from civreg.pdfium import PDFIUM_LOCK
from ocr.ingest import ingest_batch
from ocr.options import OcrOptions
from ocr.pages import PageImage, TextLayerPage, batch_page_sources, iter_pages, load_page
from ocr.pdf import _looks_like_page, open_pdf, page_scan, render_page

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = A4
PX = 300 / 72  # 300-DPI pixels per PDF point

TABLE_ROWS_PT = [700, 680, 650, 620]  # from the bottom of the page, as reportlab draws
TABLE_COLS_PT = [60, 110, 330, 520]
NAMES = ["Nguyễn Thị Hồng", "Trần Văn Minh"]


def _born_digital_page(pdf: canvas.Canvas) -> None:
    pdfmetrics.registerFont(TTFont("DejaVu", FONT_PATH))
    pdf.setFont("DejaVu", 11)
    pdf.drawString(72, 760, "SỔ ĐĂNG KÝ KHAI SINH — phường Quảng An")
    x0, x1 = TABLE_COLS_PT[0], TABLE_COLS_PT[-1]
    y_top, y_bottom = TABLE_ROWS_PT[0], TABLE_ROWS_PT[-1]
    for y in TABLE_ROWS_PT:
        pdf.line(x0, y, x1, y)
    for x in TABLE_COLS_PT:
        pdf.line(x, y_top, x, y_bottom)
    for col, header in enumerate(["Số", "Họ và tên", "Ngày sinh"]):
        pdf.drawString(TABLE_COLS_PT[col] + 4, TABLE_ROWS_PT[0] - 14, header)
    for row, name in enumerate(NAMES, start=1):
        baseline = TABLE_ROWS_PT[row] - 20
        pdf.drawString(TABLE_COLS_PT[0] + 4, baseline, str(row))
        pdf.drawString(TABLE_COLS_PT[1] + 4, baseline, name)
        pdf.drawString(TABLE_COLS_PT[2] + 4, baseline, f"0{row}/03/1990")


def _scanned_page(pdf: canvas.Canvas, image_path: Path) -> None:
    pdf.drawImage(ImageReader(str(image_path)), 0, 0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT)


@pytest.fixture
def mixed_pdf(tmp_path: Path, make_text_page: Callable) -> Path:
    """Page 1 born-digital (text layer and ruled table), page 2 an image-only scan."""
    scan = tmp_path / "scan.png"
    Image.fromarray(make_text_page(lines=12)).save(scan)
    batch = tmp_path / "batch"
    batch.mkdir()
    path = batch / "register.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    _born_digital_page(pdf)
    pdf.showPage()
    _scanned_page(pdf, scan)
    pdf.showPage()
    pdf.save()
    return path


def test_pdf_text_layer_is_read_without_ocr_in_300_dpi_pixels(
    mixed_pdf: Path, ocr_options: OcrOptions
) -> None:
    result = ingest_batch(mixed_pdf.parent, ocr_options, set())
    pages = list(iter_pages(result.batch_dir, result.documents[0], ocr_options))
    assert [type(p) for p in pages] == [TextLayerPage, PageImage]

    page = pages[0]
    assert isinstance(page, TextLayerPage)
    assert (page.width, page.height) == (round(PAGE_WIDTH_PT * PX), round(PAGE_HEIGHT_PT * PX))
    words = {w.text: w for w in page.words}
    assert {"SỔ", "ĐĂNG", "Nguyễn", "Hồng", "Trần", "01/03/1990"} <= set(words)
    # "Nguyễn" starts 4 pt right of the second column's ruling; its baseline lies in its box.
    nguyen = words["Nguyễn"].bbox
    assert abs(nguyen.x0 - (TABLE_COLS_PT[1] + 4) * PX) <= 2
    baseline_px = (PAGE_HEIGHT_PT - (TABLE_ROWS_PT[1] - 20)) * PX
    assert nguyen.y0 < baseline_px < nguyen.y1
    width_px = pdfmetrics.stringWidth("Nguyễn", "DejaVu", 11) * PX
    assert abs(nguyen.width - width_px) <= 3
    assert all(w.confidence == 1.0 for w in page.words)

    grid = page.grid.grid
    assert grid is not None, page.grid.reason
    expected_rows = [round((PAGE_HEIGHT_PT - y) * PX) for y in TABLE_ROWS_PT]
    expected_cols = [round(x * PX) for x in TABLE_COLS_PT]
    assert all(abs(a - b) <= 2 for a, b in zip(grid.row_lines, expected_rows, strict=True))
    assert all(abs(a - b) <= 2 for a, b in zip(grid.col_lines, expected_cols, strict=True))
    assert (grid.n_rows, grid.n_cols) == (3, 3)


def test_a_scanned_pdf_page_coarser_than_300_dpi_is_rendered_at_300_dpi(
    mixed_pdf: Path, ocr_options: OcrOptions
) -> None:
    result = ingest_batch(mixed_pdf.parent, ocr_options, set())
    sources = batch_page_sources(result)
    assert [s.page_number for s in sources] == [1, 2]
    page = load_page(sources[1], ocr_options)  # a 150-DPI scan (1240 px over A4)
    assert isinstance(page, PageImage)
    assert page.dpi == 300
    height, width = page.image.shape
    assert abs(height - PAGE_HEIGHT_PT * PX) <= 1 and abs(width - PAGE_WIDTH_PT * PX) <= 1
    assert page.image.dtype == np.uint8 and page.image.ndim == 2
    assert 0.005 < np.mean(page.image < 128) < 0.2  # the scan's text came through
    assert np.array_equal(page.image, render_page(mixed_pdf, "register.pdf", 2, 300))


def test_a_300_dpi_scanned_pdf_page_gives_the_scan_it_embeds(
    tmp_path: Path, make_text_page: Callable
) -> None:
    scan = cv2.resize(make_text_page(lines=12), (2480, 3508))  # 300 DPI over A4
    path = _image_only_pdf(tmp_path / "scan.pdf", scan)
    image = page_scan(path, "scan.pdf", 1, 300)
    assert np.array_equal(image, scan)  # its own pixels at 300 DPI, not resampled


def _image_only_pdf(path: Path, scan: np.ndarray, *, with_line: bool = False) -> Path:
    image = path.with_suffix(".png")
    Image.fromarray(scan).save(image)
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawImage(ImageReader(str(image)), 0, 0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT)
    if with_line:
        pdf.line(72, 72, 300, 72)
    pdf.showPage()
    pdf.save()
    return path


def test_a_scan_finer_than_the_render_dpi_is_scaled_down_as_rendering_would(
    tmp_path: Path, make_text_page: Callable
) -> None:
    fine = cv2.resize(make_text_page(lines=12), (2480 * 2, 3508 * 2))  # 600 DPI over A4
    path = _image_only_pdf(tmp_path / "fine.pdf", fine)
    image = page_scan(path, "fine.pdf", 1, 300)
    rendered = render_page(path, "fine.pdf", 1, 300)
    assert image.shape == (3508, 2480) and abs(image.shape[0] - rendered.shape[0]) <= 1
    height, width = min(image.shape[0], rendered.shape[0]), min(image.shape[1], rendered.shape[1])
    assert np.mean(cv2.absdiff(image[:height, :width], rendered[:height, :width])) < 3


def test_a_page_with_more_than_its_scan_is_rendered(
    tmp_path: Path, make_text_page: Callable
) -> None:
    scan = cv2.resize(make_text_page(lines=12), (2480, 3508))  # 300 DPI over A4
    path = _image_only_pdf(tmp_path / "annotated.pdf", scan, with_line=True)
    image = page_scan(path, "annotated.pdf", 1, 300)
    assert np.array_equal(image, render_page(path, "annotated.pdf", 1, 300))
    assert not np.array_equal(image[:3508, :2480], scan)  # drawn by pdfium, line and all


def test_an_image_unlike_the_drawn_page_is_not_trusted(
    tmp_path: Path, make_text_page: Callable
) -> None:
    scan = make_text_page(lines=12)
    path = _image_only_pdf(tmp_path / "scan.pdf", scan)
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        assert _looks_like_page(page, scan)
        assert not _looks_like_page(page, 255 - scan)
        assert not _looks_like_page(page, np.zeros_like(scan))
    finally:
        document.close()


def test_image_files_give_one_page_per_frame_with_their_dpi(
    tmp_path: Path, ocr_options: OcrOptions
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    frames = [Image.fromarray(np.full((120, 90), 50 * i, dtype=np.uint8)) for i in range(3)]
    frames[0].save(batch / "book.tif", save_all=True, append_images=frames[1:], dpi=(200, 200))
    Image.fromarray(np.zeros((40, 30, 3), dtype=np.uint8)).save(batch / "phone.jpg", dpi=(72, 72))
    Image.fromarray(np.zeros((40, 30), dtype=np.uint8)).save(batch / "plain.png")
    result = ingest_batch(batch, ocr_options, set())
    pages = {
        (d.relative_path, page.page_number): page
        for d in result.documents
        for page in iter_pages(batch, d, ocr_options)
    }
    assert sorted(pages) == [
        ("book.tif", 1),
        ("book.tif", 2),
        ("book.tif", 3),
        ("phone.jpg", 1),
        ("plain.png", 1),
    ]
    for number in (1, 2, 3):
        page = pages[("book.tif", number)]
        assert isinstance(page, PageImage)
        assert page.dpi == 200
        assert int(page.image[0, 0]) == 50 * (number - 1)
    assert pages[("phone.jpg", 1)].dpi == 300  # 72 is a writer's default, not a scan's
    assert pages[("phone.jpg", 1)].image.shape == (40, 30, 3)
    assert pages[("plain.png", 1)].dpi == 300


def test_a_photo_is_turned_as_its_exif_orientation_says(
    tmp_path: Path, ocr_options: OcrOptions
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    picture = np.full((40, 30), 255, dtype=np.uint8)
    picture[:5, :5] = 0  # a mark in the top-left corner
    for name, orientation in [("upright.jpg", 1), ("sideways.jpg", 6)]:
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(picture).save(batch / name, exif=exif, quality=95)
    result = ingest_batch(batch, ocr_options, set())
    pages = {
        d.relative_path: page
        for d in result.documents
        for page in iter_pages(batch, d, ocr_options)
    }
    upright, sideways = pages["upright.jpg"].image, pages["sideways.jpg"].image
    assert upright.shape == (40, 30) and upright[:5, :5].mean() < 60
    # Orientation 6: the camera was turned a quarter turn; the mark ends in the top-right.
    assert sideways.shape == (30, 40) and sideways[:5, -5:].mean() < 60


def test_pdfium_is_used_by_one_thread_at_a_time(tmp_path: Path, make_text_page: Callable) -> None:
    """pdfium is not thread-safe: while one thread has a document open, another waits."""
    path = _image_only_pdf(tmp_path / "scan.pdf", make_text_page(lines=3))
    acquired: list[bool] = []

    def other_thread() -> None:
        got = PDFIUM_LOCK.acquire(blocking=False)
        acquired.append(got)
        if got:
            PDFIUM_LOCK.release()

    with open_pdf(path, "scan.pdf"):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert acquired == [False, True]
