"""``civreg ocr``: a batch with bad files among good scans; the good ones read, the bad ones
quarantined with their reasons, and an exit code and summary that say so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from typer.testing import CliRunner

from civreg.commands import ocr as ocr_command
from civreg.errors import ExitCode
from civreg.settings import get_settings
from schemas.enums import RegisterType
from synth.render import OutputFormat, RenderOptions, plan_book, render_book, sample_book

PIXEL_LIMIT = 20_000_000


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("CIVREG_MAX_IMAGE_PIXELS", str(PIXEL_LIMIT))
    monkeypatch.setenv("CIVREG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _good_scans(batch: Path) -> dict[str, int]:
    """A born-digital PDF (2 pages) and a scanned form (PNG); file name -> entries expected."""
    expected = {}
    for register_type, shape, output, pages in (
        (RegisterType.BIRTH, "born_digital", OutputFormat.PDF_BORN_DIGITAL, 2),
        (RegisterType.DEATH, "form", OutputFormat.PNG, 1),
    ):
        book = sample_book(register_type, 2019, 30, seed=5)
        options = RenderOptions(seed=1, levels=("clean",), shapes=(shape,))
        spec = plan_book(book, options)[0].model_copy(
            update={"output": output, "max_pages": pages, "colour": False}
        )
        for file in render_book(book, spec):
            (batch / file.file_name).write_bytes(file.data)
            expected[file.file_name] = sum(len(page.entries) for page in file.truth.pages)
    return expected


def _bad_files(batch: Path) -> dict[str, str]:
    """File name -> the quarantine reason it must get."""
    (batch / "empty.pdf").write_bytes(b"")
    (batch / "notes.tif").write_text("not a scan, a note typed by the clerk\n", encoding="utf-8")
    (batch / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Broken >>\ngarbage\n%%EOF\n")
    locked = Canvas(str(batch / "locked.pdf"), encrypt="secret")
    locked.drawString(100, 700, "SỔ ĐĂNG KÝ KHAI SINH")
    locked.save()
    Image.fromarray(np.full((4000, 5200), 255, dtype=np.uint8)).save(batch / "huge.png")
    return {
        "empty.pdf": "empty",
        "notes.tif": "unsupported_type",
        "corrupt.pdf": "corrupt",
        "locked.pdf": "encrypted_pdf",
        "huge.png": "image_too_large",
    }


def test_bad_files_are_quarantined_and_good_scans_extracted(
    tmp_path: Path, settings_env: None
) -> None:
    batch = tmp_path / "inbox" / "batch-07"
    batch.mkdir(parents=True)
    good = _good_scans(batch)
    bad = _bad_files(batch)
    out = tmp_path / "out"

    result = CliRunner().invoke(ocr_command.app, [str(batch), "--out", str(out), "--workers", "2"])

    assert result.exit_code == int(ExitCode.INPUT_FILE), result.output
    assert "5 quarantined" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["batch_id"] == "batch-07"
    assert {q["relative_path"]: q["reason"] for q in summary["quarantined"]} == bad
    for item in summary["quarantined"]:
        assert item["detail"].startswith(item["relative_path"] + ": ")
        assert Path(item["quarantine_path"]).exists()
        assert (batch / item["relative_path"]).exists()  # the original stays where it was
    assert summary["pages_not_read"] == []
    assert summary["documents"] == len(good)
    assert summary["entries"] == sum(good.values())

    entries = [json.loads(line) for line in (out / "entries.jsonl").read_text().splitlines()]
    assert len(entries) == sum(good.values())
    assert {e["provenance"]["batch_id"] for e in entries} == {"batch-07"}
    assert len({e["entry_id"] for e in entries}) == len(entries)
    for name in good:
        pages = sorted((out / name).glob("p*.json"))
        assert pages, name
        for page in pages:
            extraction = json.loads(page.read_text(encoding="utf-8"))
            assert extraction["not_understood"] is None
            assert extraction["source_path"] == name
            with Image.open(page.with_suffix(".png")) as overlay:
                assert overlay.width > 500


def test_a_single_good_file_exits_cleanly(tmp_path: Path, settings_env: None) -> None:
    batch = tmp_path / "inbox"
    batch.mkdir()
    good = _good_scans(batch)
    pdf = next(name for name in good if name.endswith(".pdf"))
    out = tmp_path / "out"
    result = CliRunner().invoke(ocr_command.app, [str(batch / pdf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["documents"], summary["pages"], summary["entries"]) == (1, 2, good[pdf])


def test_a_missing_path_is_an_input_error(tmp_path: Path, settings_env: None) -> None:
    result = CliRunner().invoke(
        ocr_command.app, [str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code != 0
    assert "no such file or folder" in str(result.exception)
