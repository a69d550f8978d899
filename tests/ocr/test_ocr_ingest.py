from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from civreg.errors import InputFileError
from civreg.settings import Settings
from ocr.ingest import REASON_SUFFIX, ingest_batch
from ocr.options import OcrOptions
from ocr.sniff import FileKind
from schemas.enums import QuarantineReason


def _scan(path: Path, *, seed: int, size: tuple[int, int] = (400, 300), **save: object) -> None:
    rng = np.random.default_rng(seed)
    pixels = np.full((size[1], size[0]), 245, dtype=np.uint8)
    pixels[rng.integers(0, size[1], 400), rng.integers(0, size[0], 400)] = 20
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **save)


def _pdf(path: Path, pages: int = 1, **kwargs: object) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4, **kwargs)
    for number in range(pages):
        pdf.drawString(72, 720, f"So dang ky khai sinh, trang {number + 1}")
        pdf.showPage()
    pdf.save()


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` x ``height`` (no real pixel data needed to open it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = (
        chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + data)


EXPECTED_QUARANTINE = {
    "broken.pdf": QuarantineReason.CORRUPT,
    "locked.pdf": QuarantineReason.ENCRYPTED_PDF,
    "empty.png": QuarantineReason.EMPTY,
    "notes.tif": QuarantineReason.UNSUPPORTED_TYPE,
    "huge.png": QuarantineReason.IMAGE_TOO_LARGE,
    "bomb.png": QuarantineReason.IMAGE_TOO_LARGE,
    "cut.jpg": QuarantineReason.TRUNCATED,
    "cut.png": QuarantineReason.TRUNCATED,
    "cut.pdf": QuarantineReason.TRUNCATED,
    "long.pdf": QuarantineReason.TOO_MANY_PAGES,
}


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    """Good scans with every kind of bad file among them (the issue's 'must show' batch)."""
    batch = tmp_path / "inbox" / "batch-2024-03"
    batch.mkdir(parents=True)
    _scan(batch / "scan_001.png", seed=1)
    _scan(batch / "scan_002.jpg", seed=2, quality=90)
    frames = [Image.fromarray(np.full((300, 200), 240 - i, dtype=np.uint8)) for i in range(3)]
    frames[0].save(batch / "scan_003.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    _pdf(batch / "scan_004.pdf", pages=2)
    (batch / "sub").mkdir()
    (batch / "sub" / "copy_of_001.png").write_bytes((batch / "scan_001.png").read_bytes())
    (batch / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")

    (batch / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< garbage >>\nendobj\n%%EOF\n")
    _pdf(batch / "locked.pdf", encrypt="secret")
    (batch / "empty.png").write_bytes(b"")
    (batch / "notes.tif").write_text("Danh sách cần quét lại: trang 3, 7\n", encoding="utf-8")
    _scan(batch / "huge.png", seed=3, size=(2500, 2000))  # 5 M pixels > 4 M limit
    _png_header_only(batch / "bomb.png", 20_000, 10_000)  # above Pillow's own bomb limit
    _scan(batch / "full.jpg", seed=4, quality=90)
    data = (batch / "full.jpg").read_bytes()
    (batch / "full.jpg").unlink()
    (batch / "cut.jpg").write_bytes(data[: len(data) // 2])
    data = (batch / "scan_001.png").read_bytes()
    (batch / "cut.png").write_bytes(data[: len(data) * 2 // 3])
    _pdf(batch / "full.pdf")
    data = (batch / "full.pdf").read_bytes()
    (batch / "full.pdf").unlink()
    (batch / "cut.pdf").write_bytes(data[: len(data) - 200])
    _pdf(batch / "long.pdf", pages=6)  # limit is 5
    return batch


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bad_files_are_quarantined_with_their_reason_and_good_ones_ingested(
    bad_batch: Path, ocr_options: OcrOptions
) -> None:
    before = _fingerprint(bad_batch)
    result = ingest_batch(bad_batch, ocr_options, set())

    assert result.batch_id == "batch-2024-03"
    documents = {d.relative_path: (d.kind, d.page_count) for d in result.documents}
    assert documents == {
        "scan_001.png": (FileKind.PNG, 1),
        "scan_002.jpg": (FileKind.JPEG, 1),
        "scan_003.tif": (FileKind.TIFF, 3),
        "scan_004.pdf": (FileKind.PDF, 2),
    }
    assert [d.relative_path for d in result.documents] == sorted(documents)
    for document in result.documents:
        data = (bad_batch / document.relative_path).read_bytes()
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert document.size_bytes == len(data)

    reasons = {q.relative_path: q.reason for q in result.quarantined}
    assert reasons == EXPECTED_QUARANTINE
    details = {q.relative_path: q.detail for q in result.quarantined}
    assert details["locked.pdf"] == "locked.pdf: PDF is encrypted (needs a password)"
    assert details["empty.png"] == "empty.png: file is empty (0 bytes)"
    assert "plain text despite its .tif extension" in details["notes.tif"]
    assert "2500x2000 = 5,000,000 pixels" in details["huge.png"]
    assert "200,000,000 pixels" in details["bomb.png"]
    assert "6 pages, more than the limit of 5" in details["long.pdf"]
    assert all(detail.startswith(f"{path}: ") for path, detail in details.items())

    assert [(d.relative_path, d.duplicate_of) for d in result.duplicates] == [
        ("sub/copy_of_001.png", "scan_001.png")
    ]
    # Nothing moved, changed or deleted; the hidden file was ignored, not quarantined.
    assert _fingerprint(bad_batch) == before
    quarantine = ocr_options.quarantine_dir / "batch-2024-03"
    for item in result.quarantined:
        assert item.quarantine_path == quarantine / item.relative_path
        assert item.quarantine_path.read_bytes() == (bad_batch / item.relative_path).read_bytes()
        note = json.loads(
            item.quarantine_path.with_name(item.quarantine_path.name + REASON_SUFFIX).read_text()
        )
        assert note["reason"] == item.reason.value
        assert note["detail"] == item.detail
        assert note["sha256"] == item.sha256
        assert note["batch_id"] == "batch-2024-03"
    assert not any(p.name.endswith(".partial") for p in quarantine.rglob("*"))


def test_files_examined_side_by_side_give_what_one_at_a_time_gives(
    bad_batch: Path, ocr_options: OcrOptions, tmp_path: Path
) -> None:
    alone = ocr_options.model_copy(update={"workers": 1, "quarantine_dir": tmp_path / "q1"})
    paired = ocr_options.model_copy(update={"workers": 4, "quarantine_dir": tmp_path / "q4"})
    one, four = ingest_batch(bad_batch, alone, set()), ingest_batch(bad_batch, paired, set())
    assert one.documents == four.documents and one.duplicates == four.duplicates
    assert [(q.relative_path, q.reason, q.detail) for q in one.quarantined] == [
        (q.relative_path, q.reason, q.detail) for q in four.quarantined
    ]
    assert [q.relative_path for q in four.quarantined] == sorted(EXPECTED_QUARANTINE)


def test_reingest_with_processed_hashes_skips_everything(
    bad_batch: Path, ocr_options: OcrOptions
) -> None:
    first = ingest_batch(bad_batch, ocr_options, set())
    processed = {d.sha256 for d in first.documents} | {
        q.sha256 for q in first.quarantined if q.sha256
    }
    again = ingest_batch(bad_batch, ocr_options, processed)
    assert again.documents == ()
    assert again.quarantined == ()
    assert {d.relative_path for d in again.duplicates} == set(_fingerprint(bad_batch)) - {
        ".DS_Store"
    }
    assert all(d.duplicate_of is None for d in again.duplicates)


def test_missing_batch_folder_is_an_input_error(tmp_path: Path, ocr_options: OcrOptions) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        ingest_batch(tmp_path / "nope", ocr_options, set())


def test_options_come_from_settings(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, max_pdf_pages=7, ocr_language="vie")
    options = OcrOptions.from_settings(settings, max_image_pixels=10)
    assert options.quarantine_dir == tmp_path / "quarantine"
    assert (options.max_pdf_pages, options.max_image_pixels, options.language) == (7, 10, "vie")
