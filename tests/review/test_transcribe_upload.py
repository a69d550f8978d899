"""Transcription of low-confidence fields, clerks' uploads and batch pages, the audit log."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from civreg.settings import get_settings
from flows.steps import PipelineContext
from schemas.enums import BatchStatus, DecisionKind
from schemas.store import Decision, UploadState
from store.batches import set_batch_status
from store.records import load_records
from store.review import uploads
from tests.review.conftest import run_pipeline_steps


def _steps_runner(batch_dir: Path, batch_id: str) -> None:
    """The pipeline's own steps, without Prefect (the browser tests run the real flow)."""
    context = PipelineContext(get_settings())
    run_pipeline_steps(context, batch_dir, batch_id)
    set_batch_status(context.store, batch_id, BatchStatus.PROCESSED)


def test_transcription_queue_shows_each_low_confidence_cell_and_stores_the_text(
    form_batch, browser, bare_settings, tmp_path
) -> None:
    batch_dir = shutil.copytree(form_batch, tmp_path / "inbox-forms" / "forms")
    context = PipelineContext(bare_settings)
    run_pipeline_steps(context, batch_dir, "forms")
    records = [s.record for s in load_records(context.store)]
    confidences = sorted(
        value.confidence
        for r in records
        for name in type(r).model_fields
        if (value := getattr(r, name)) is not None
        and getattr(value, "confidence", None) is not None
    )
    assert confidences[0] < 1.0, "OCR should be unsure of something on a scanned form"
    # The threshold sits just above the least sure field, whatever the Tesseract version reads.
    low = min(1.0, confidences[0] + 0.02)
    steward = browser("sam", low_confidence=low)
    expected = {
        r.record_id: [
            name
            for name in type(r).model_fields
            if getattr(getattr(r, name), "confidence", None) is not None
            and getattr(r, name).confidence < low
        ]
        for r in records
    }
    expected = {k: v for k, v in expected.items() if v}
    assert expected, "the scanned form should have fields read with low confidence"

    listing = steward.get("/transcribe")
    assert listing.status_code == 200
    for record_id in expected:
        assert f"/transcribe/{record_id}" in listing.text
    record_id, names = next(iter(expected.items()))
    record = next(r for r in records if r.record_id == record_id)
    page = steward.get(f"/transcribe/{record_id}")
    assert page.status_code == 200
    for name in names:
        field = getattr(record, name)
        assert f'name="value:{name}"' in page.text
        assert f'value="{field.raw_text}"' in page.text  # pre-filled with what OCR read
        if field.bbox is not None:
            cell = steward.get(f"/items/{record_id}/crop.png", params={"field": name})
            assert cell.status_code == 200
            image = Image.open(io.BytesIO(cell.content))
            assert image.width <= field.bbox.x1 - field.bbox.x0 + 24

    form = {f"value:{name}": f"typed {index}" for index, name in enumerate(names)}
    assert steward.post(f"/transcribe/{record_id}", form).status_code == 303
    with context.store.connect() as connection:
        stored = connection.execute(
            select(Decision.__table__).where(Decision.record_id == record_id)
        ).all()
    corrections = {
        d.payload["record_field"]: d.payload["value"]
        for d in stored
        if d.kind == DecisionKind.STEWARD_CORRECT_FIELD
    }
    assert corrections == {name: f"typed {index}" for index, name in enumerate(names)}
    assert all(d.actor == "sam" for d in stored if d.kind == DecisionKind.STEWARD_CORRECT_FIELD)
    assert f"/transcribe/{record_id}" not in steward.get("/transcribe").text


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_upload_checks_every_file_and_refuses_a_bad_batch_whole(
    browser, review_batch, bare_settings
) -> None:
    clerk = browser("cleo", max_upload_bytes=200_000)
    pdf = next(review_batch.batch_dir.glob("*.pdf"))
    files = [
        ("files", (pdf.name, pdf.read_bytes(), "application/pdf")),
        ("files", ("notes.txt", b"just some text\n", "text/plain")),
        ("files", ("cut.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")),
        ("files", ("huge.tif", b"II*\x00" + b"\0" * 300_000, "image/tiff")),
    ]
    response = clerk.post("/batches", {"batch_id": "b-bad"}, files=files)
    assert response.status_code == 400
    text = response.text
    assert "notes.txt" in text and "only PDF, TIFF, PNG and JPEG" in text
    assert "cut.png" in text and "cut short" in text
    assert "huge.tif" in text and "limit" in text
    assert pdf.name not in text.split('id="upload-errors"')[1].split("</ul>")[0]
    assert not (bare_settings.inbox_dir / "b-bad").exists()
    assert uploads(clerk.client.app.state.review.store) == {}

    bad_name = clerk.post(
        "/batches",
        {"batch_id": "../escape"},
        files=[("files", (pdf.name, pdf.read_bytes(), "application/pdf"))],
    )
    assert bad_name.status_code == 400
    assert clerk.post("/batches", {"batch_id": "empty"}).status_code == 400


def test_an_uploaded_batch_is_processed_in_the_background_and_shows_its_progress(
    make_app, users, review_batch, bare_settings
) -> None:
    from tests.review.conftest import Browser, sign_in

    client = make_app()
    client.app.state.review.worker.runner = _steps_runner
    assert sign_in(client, "cleo").status_code == 303
    clerk = Browser(client, "cleo")
    from civreg.db import shared_engine
    from matching.population_import import import_population

    import_population(
        review_batch.population_csv, shared_engine(bare_settings.resolved_population_url)
    )
    pdfs = sorted(review_batch.batch_dir.glob("*.pdf"))
    broken = b"\x89PNG\r\n\x1a\n" + b"garbage" * 50 + b"\0\0\0\0IEND\xaeB`\x82"
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in pdfs]
    files.append(("files", ("smudged.png", broken, "image/png")))
    response = clerk.post("/batches", {"batch_id": "upload-1"}, files=files)
    assert response.status_code == 303
    assert response.headers["location"] == "/batches/upload-1"
    stored = bare_settings.inbox_dir / "upload-1"
    assert sorted(p.name for p in stored.iterdir()) == sorted(
        [*(p.name for p in pdfs), "smudged.png"]
    )

    store = client.app.state.review.store
    _wait_for(lambda: uploads(store)["upload-1"].state in (UploadState.DONE, UploadState.FAILED))
    assert uploads(store)["upload-1"].state is UploadState.DONE
    page = clerk.get("/batches/upload-1")
    assert page.status_code == 200
    assert 'data-state="processed"' in page.text
    assert "smudged.png" in page.text.split('id="quarantined"')[1]
    records = len(load_records(store))
    assert records > 0 and f'<dd id="count-records">{records}</dd>' in page.text
    assert "upload-1" in clerk.get("/batches").text

    again = clerk.post(
        "/batches",
        {"batch_id": "upload-1"},
        files=[("files", (pdfs[0].name, pdfs[0].read_bytes(), "application/pdf"))],
    )
    assert again.status_code == 400 and "already exists" in again.text

    admin = Browser(make_app(), "ada")
    assert sign_in(admin.client, "ada").status_code == 303
    audit = admin.get("/admin/audit").text
    assert "batch.uploaded" in audit and "batch.processed" in audit
    assert "cleo" in admin.get("/admin/audit", params={"actor": "cleo"}).text


def test_an_app_that_starts_resumes_uploads_left_unfinished_once(
    review_batch, bare_settings
) -> None:
    import datetime as dt

    from fastapi.testclient import TestClient

    from civreg.db import shared_engine
    from matching.population_import import import_population
    from review.app import create_app
    from store.locks import try_acquire
    from store.review import add_upload

    store = shared_engine(bare_settings.resolved_store_url)
    import_population(
        review_batch.population_csv, shared_engine(bare_settings.resolved_population_url)
    )
    for batch_id in ("left-over", "held-elsewhere"):
        shutil.copytree(review_batch.batch_dir, bare_settings.inbox_dir / batch_id)
        add_upload(store, batch_id, "cleo", 2, 1000)
    # Another app process is running this one: this app must not run it too.
    assert try_acquire(store, "upload:held-elsewhere", "other-host:1", dt.timedelta(hours=1))
    runs: list[str] = []

    def runner(batch_dir: Path, batch_id: str) -> None:
        runs.append(batch_id)
        _steps_runner(batch_dir, batch_id)

    with TestClient(create_app(bare_settings, runner=runner)):
        _wait_for(lambda: uploads(store)["left-over"].state is UploadState.DONE)
    assert runs == ["left-over"]
    assert uploads(store)["held-elsewhere"].state is UploadState.QUEUED
    assert load_records(store)


def test_an_oversized_request_is_refused_before_it_is_read(browser) -> None:
    clerk = browser("cleo", max_request_bytes=10_000)
    response = clerk.post(
        "/batches", {"batch_id": "big"}, files=[("files", ("a.png", b"\0" * 20_000, "image/png"))]
    )
    assert response.status_code == 413
