"""process-batch end to end on SQLite and PostgreSQL: real scans, real OCR, real matching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from civreg.db import shared_engine
from civreg.migrate import upgrade_population
from civreg.settings import get_settings
from flows import steps
from flows.batch import process_batch, read_page_task
from flows.steps import PipelineContext
from matching.population_import import import_population
from schemas.store import Candidate, Decision, OutboxMessage, RawEntryRow, RecordRow
from store.matches import latest_decisions
from store.records import load_records

pytestmark = pytest.mark.usefixtures("prefect_server")


def _point_settings_at(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVREG_STORE_URL", database_url)
    monkeypatch.setenv("CIVREG_POPULATION_URL", database_url)
    get_settings.cache_clear()


def _import_population(scanned_batch, database_url: str) -> None:
    upgrade_population(database_url)
    report = import_population(scanned_batch.population_csv, shared_engine(database_url))
    assert report.bad_rows == 0


def _row_counts(database_url: str) -> dict[str, int]:
    engine = shared_engine(database_url)
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.scalar(select(func.count()).select_from(model))
            for model in (RawEntryRow, RecordRow, Candidate, Decision, OutboxMessage)
        }


def test_process_batch_links_scans_to_the_right_people_and_reruns_change_nothing(
    scanned_batch, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _point_settings_at(database_url, monkeypatch)
    _import_population(scanned_batch, database_url)
    batch_dir = shutil.copytree(scanned_batch.batch_dir, tmp_path / "batch-1")

    summary = process_batch(str(batch_dir))

    expected_entries = len(scanned_batch.truth)
    assert summary.pages_read >= 4 and summary.quarantined == 0
    assert summary.entries == summary.records == expected_entries
    counts = summary.counts
    assert counts.exported == expected_entries
    decided = counts.auto_linked + counts.to_review + counts.new_person
    assert decided + counts.unmatched == counts.records

    # Every automatic link is to the person the register entry truly is.
    context = PipelineContext(get_settings())
    wrong = []
    records = {s.record_id: s.record for s in load_records(context.store)}
    for (record_id, party), decision in latest_decisions(context.store).items():
        if decision.personal_id is None:
            continue
        provenance = records[record_id].provenance
        truth = scanned_batch.truth[
            (provenance.source_path, provenance.page_number, provenance.row_index)
        ]
        if truth[party.value] != decision.personal_id:
            wrong.append((record_id, party))
    assert counts.auto_linked >= 1
    assert wrong == []

    before = _row_counts(database_url)
    again = process_batch(str(batch_dir))
    assert again.duplicates == summary.documents and again.pages_read == 0
    assert _row_counts(database_url) == before


def test_read_page_task_runs_without_a_flow(scanned_batch, tmp_path: Path, monkeypatch) -> None:
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    _point_settings_at(database_url, monkeypatch)
    batch_dir = shutil.copytree(scanned_batch.batch_dir, tmp_path / "batch-1")
    context = PipelineContext(get_settings())
    steps.prepare_stores(context)
    ingested = steps.ingest_step(context, batch_dir, "batch-1")
    born_digital = next(job for job in ingested.pages if job.relative_path.endswith(".pdf"))

    outcome = read_page_task.fn(born_digital)

    assert outcome.failed is None and outcome.not_understood is None
    assert outcome.entries == sum(
        1
        for (name, page, _row) in scanned_batch.truth
        if name == born_digital.relative_path and page == born_digital.page_number
    )
