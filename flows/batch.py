"""``process-batch``: one clerk's batch from the inbox to exported, synced records.

Thin wiring only: each task calls one step of :mod:`flows.steps`. Pages are read in parallel
(one task per page, on the task runner chosen by ``CIVREG_TASK_RUNNER``). Tasks retry only what
may pass on its own (a lost database connection, a lock timeout), never a bad scan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.schemas.objects import State, TaskRun
from prefect.context import FlowRunContext
from pydantic import BaseModel

from civreg.db import is_transient
from civreg.errors import TransientError
from civreg.settings import get_settings
from flows.export import export_records
from flows.progress import Stage, report
from flows.runtime import make_task_runner, prepare_environment
from flows.steps import (
    IngestSummary,
    LinkSummary,
    NormalizeSummary,
    PageJob,
    PageOutcome,
    PipelineContext,
    finish_documents_step,
    ingest_step,
    link_step,
    normalize_step,
    prepare_stores,
    read_page_step,
)
from flows.sync import enqueue_changes_for_decisions, push_outbox
from schemas.enums import BatchStatus
from store.batches import set_batch_status
from store.runs import finish_run, start_run
from store.status import StageCounts, stage_counts

RETRY_DELAYS = [2, 10, 30]


def retry_if_transient(_task: Any, _run: TaskRun, state: State) -> bool:
    """Retry a task only when its failure may pass on its own."""
    try:
        state.result()
    except Exception as exc:
        return isinstance(exc, TransientError) or is_transient(exc)
    return False


def _context() -> PipelineContext:
    return PipelineContext(get_settings())


transient_retries: dict[str, Any] = {
    "retries": len(RETRY_DELAYS),
    "retry_delay_seconds": RETRY_DELAYS,
    "retry_condition_fn": retry_if_transient,
}


@task(name="prepare-stores", **transient_retries)
def prepare_stores_task() -> None:
    """Migrate both databases to the current schema."""
    prepare_stores(_context())


@task(name="ingest", **transient_retries)
def ingest_task(batch_dir: str, batch_id: str) -> IngestSummary:
    """Hash, sniff, quarantine; list the pages to read."""
    return ingest_step(_context(), Path(batch_dir), batch_id)


@task(
    name="read-page",
    task_run_name="read {job.relative_path} p{job.page_number}",
    **transient_retries,
)
def read_page_task(job: PageJob) -> PageOutcome:
    """Read one page into raw entries in the work store."""
    return read_page_step(_context(), job)


@task(name="finish-documents", **transient_retries)
def finish_documents_task(summary: IngestSummary, outcomes: list[PageOutcome]) -> None:
    """Mark fully read documents as extracted."""
    finish_documents_step(_context(), summary, outcomes)


@task(name="normalize", **transient_retries)
def normalize_task(batch_id: str) -> NormalizeSummary:
    """Raw entries into typed, checked records."""
    return normalize_step(_context(), batch_id)


@task(name="link", **transient_retries)
def link_task(run_id: str) -> LinkSummary:
    """Match records to the population DB and decide: auto-link, review or new person."""
    return link_step(_context(), run_id)


@task(name="export", **transient_retries)
def export_task(run_id: str) -> dict[str, int]:
    """Bring the Parquet datasets in line with the store."""
    context = _context()
    report = export_records(context.store, context.settings.resolved_export_dir, run_id)
    return {"rows_written": report.rows_written, "partitions": len(report.partitions)}


@task(name="sync", **transient_retries)
def sync_task() -> dict[str, int]:
    """Enqueue agreed changes and push the outbox to the population DB."""
    context = _context()
    enqueue_changes_for_decisions(context.store)
    report = push_outbox(context.store, context.population, dt.datetime.now(dt.UTC))
    return report.model_dump(exclude={"errors"})


def link_export_sync(
    run_id: str, scope: str = "", link: Callable[[str], LinkSummary] | None = None
) -> tuple[LinkSummary, dict[str, int], dict[str, int]]:
    """Link (with ``link``, default the link task), export and sync, reporting each stage."""
    report(Stage.MATCH, 0, None, scope)
    linking: LinkSummary = (link or link_task)(run_id)
    report(Stage.MATCH, linking.linked_now, linking.linked_now, scope)
    report(Stage.EXPORT, 0, None, scope)
    export = export_task(run_id)
    report(Stage.EXPORT, export["partitions"], export["partitions"], scope)
    report(Stage.SYNC, 0, None, scope)
    sync = sync_task()
    report(Stage.SYNC, sync["acknowledged"], sync["attempted"], scope)
    return linking, export, sync


def current_run_id() -> str:
    """The Prefect flow run id, or a fresh one outside a flow run."""
    context = FlowRunContext.get()
    if context is not None and context.flow_run is not None:
        return str(context.flow_run.id)
    return uuid.uuid4().hex


class BatchSummary(BaseModel):
    """What one run of ``process-batch`` did, and where things stand afterwards."""

    batch_id: str
    run_id: str
    documents: int
    quarantined: int
    duplicates: int
    pages_read: int
    pages_not_understood: int
    entries: int
    records: int
    counts: StageCounts


def read_pages(jobs: list[PageJob], batch_id: str = "") -> list[PageOutcome]:
    """Read every page in parallel, showing progress as a Prefect progress artifact."""
    report(Stage.OCR, 0, len(jobs), batch_id)
    if not jobs:
        return []
    progress = create_progress_artifact(0.0, description="Pages read in this batch")
    futures = [read_page_task.submit(job) for job in jobs]
    outcomes: list[PageOutcome] = []
    for done, future in enumerate(futures, start=1):
        outcomes.append(future.result())
        update_progress_artifact(progress, 100.0 * done / len(futures))
        report(Stage.OCR, done, len(futures), batch_id)
    return outcomes


def publish_artifacts(summary: BatchSummary) -> None:
    """A table of counts per stage and a summary naming the review queue."""
    counts = summary.counts
    create_table_artifact(
        key="batch-counts",
        table=[
            {"stage": "pages read", "count": summary.pages_read},
            {"stage": "pages not understood", "count": summary.pages_not_understood},
            {"stage": "entries", "count": summary.entries},
            {"stage": "auto-linked", "count": counts.auto_linked},
            {"stage": "to review", "count": counts.to_review},
            {"stage": "new person", "count": counts.new_person},
            {"stage": "quarantined files", "count": summary.quarantined},
            {"stage": "exported rows", "count": counts.exported},
        ],
        description=f"Batch {summary.batch_id}: counts per stage",
    )
    create_markdown_artifact(
        key="batch-summary",
        markdown=(
            f"# Batch `{summary.batch_id}`\n\n"
            f"- {summary.pages_read} pages read, {summary.entries} entries, "
            f"{summary.quarantined} files quarantined\n"
            f"- **{counts.to_review} records wait in the stewards' review queue**\n"
            f"- {counts.auto_linked} linked automatically, {counts.new_person} new people\n"
        ),
        description="What this run did",
    )


@flow(name="process-batch", log_prints=False)
def process_batch(batch_path: str, batch_id: str | None = None) -> BatchSummary:
    """Ingest → read pages in parallel → normalize → match → export → sync, for one batch."""
    context = _context()
    batch_dir = Path(batch_path).resolve()
    batch_id = batch_id or batch_dir.name
    run_id = current_run_id()
    prepare_stores_task()
    start_run(context.store, "process-batch", run_id)
    report(Stage.INGEST, 0, None, batch_id)
    ingested = ingest_task(str(batch_dir), batch_id)
    files = ingested.documents + ingested.quarantined + ingested.duplicates
    report(Stage.INGEST, files, files, batch_id)
    outcomes = read_pages(ingested.pages, batch_id)
    finish_documents_task(ingested, outcomes)
    report(Stage.NORMALIZE, 0, None, batch_id)
    normalized = normalize_task(batch_id)
    report(Stage.NORMALIZE, normalized.records, normalized.records, batch_id)
    link_export_sync(run_id, batch_id)
    set_batch_status(context.store, batch_id, BatchStatus.PROCESSED)
    counts = stage_counts(context.store)
    summary = BatchSummary(
        batch_id=batch_id,
        run_id=run_id,
        documents=ingested.documents,
        quarantined=ingested.quarantined,
        duplicates=ingested.duplicates,
        pages_read=sum(1 for o in outcomes if not o.failed),
        pages_not_understood=sum(1 for o in outcomes if o.not_understood),
        entries=sum(o.entries for o in outcomes),
        records=normalized.records,
        counts=counts,
    )
    finish_run(context.store, run_id, summary.model_dump(exclude={"counts", "batch_id", "run_id"}))
    publish_artifacts(summary)
    return summary


def run_batch(batch_path: Path, batch_id: str | None = None) -> BatchSummary:
    """Run ``process-batch`` in this process, on the configured task runner."""
    prepare_environment()
    runner = make_task_runner(get_settings())
    return process_batch.with_options(task_runner=runner)(str(batch_path), batch_id)
