from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from ocr.sniff import FileKind, sniff_bytes, sniff_file


def _image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((20, 30), 200, dtype=np.uint8)).save(buffer, fmt)
    return buffer.getvalue()


def _pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(100, 700, "Sổ đăng ký")
    pdf.save()
    return buffer.getvalue()


def _sniff(data: bytes) -> tuple[FileKind, str, bool]:
    result = sniff_bytes(data[:4096], data[-4096:], len(data))
    return result.kind, result.looks_like, result.truncated


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("PNG", FileKind.PNG), ("JPEG", FileKind.JPEG), ("TIFF", FileKind.TIFF)],
)
def test_images_are_known_by_their_magic_bytes(fmt: str, kind: FileKind) -> None:
    assert _sniff(_image_bytes(fmt))[0] is kind
    assert kind.is_image


def test_big_endian_tiff_is_a_tiff() -> None:
    assert _sniff(b"MM\x00*" + b"\x00" * 100)[0] is FileKind.TIFF


def test_pdf_with_end_marker_is_whole_and_without_it_is_truncated() -> None:
    data = _pdf_bytes()
    kind, looks_like, truncated = _sniff(data)
    assert (kind, truncated) == (FileKind.PDF, False)
    assert looks_like.startswith("a PDF 1.")
    assert _sniff(data[: len(data) // 2]) == (FileKind.PDF, looks_like, True)


def test_png_cut_before_its_end_chunk_is_truncated() -> None:
    data = _image_bytes("PNG")
    assert _sniff(data)[2] is False
    assert _sniff(data[:-20])[2] is True


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.tif"
    path.write_bytes(b"")
    assert sniff_file(path).kind is FileKind.EMPTY


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        ("Danh sách hộ tịch\nNguyễn Văn A\n".encode(), "plain text"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "an HTML page"),
        (b"PK\x03\x04" + b"\x00" * 40, "a ZIP archive (or an Office document)"),
        (b"GIF89a" + b"\x00" * 40, "a GIF image"),
        (bytes(range(256)) * 4, "unrecognised binary data"),
    ],
)
def test_other_content_is_unsupported_and_described(data: bytes, looks_like: str) -> None:
    assert _sniff(data)[:2] == (FileKind.UNSUPPORTED, looks_like)


def test_extension_does_not_matter(tmp_path: Path) -> None:
    renamed = tmp_path / "scan_003.tif"
    renamed.write_text("Đây không phải là ảnh quét\n", encoding="utf-8")
    assert sniff_file(renamed).looks_like == "plain text"
    jpeg_named_pdf = tmp_path / "scan.pdf"
    jpeg_named_pdf.write_bytes(_image_bytes("JPEG"))
    assert sniff_file(jpeg_named_pdf).kind is FileKind.JPEG


def test_large_file_reads_head_and_tail_only(tmp_path: Path) -> None:
    data = _pdf_bytes()
    padded = data[:20] + b"%" + b" " * 50_000 + b"\n" + data[20:]
    path = tmp_path / "big.pdf"
    path.write_bytes(padded)
    result = sniff_file(path)
    assert (result.kind, result.truncated) == (FileKind.PDF, False)
