"""``nightly-sync``: everything pending, incrementally, once a night (cron 0 1 * * *, Hanoi time).

Processes the inbox's batches not processed yet, re-links the records that population changes or
new records touch, turns stewards' decisions into outbox messages, exports, and pushes the
outbox. Two nightly runs never overlap: the run holds a lease in the work store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel, Field

from civreg.settings import get_settings
from flows.batch import (
    BatchSummary,
    _context,
    current_run_id,
    link_export_sync,
    prepare_stores_task,
    process_batch,
    transient_retries,
)
from flows.runtime import make_task_runner, prepare_environment
from flows.steps import LinkSummary, link_step
from schemas.enums import BatchStatus
from store.batches import batch_statuses
from store.locks import lease
from store.runs import finish_run, start_run
from store.status import StageCounts, stage_counts

LEASE_TTL = dt.timedelta(hours=6)


def inbox_batches(inbox: Path, statuses: dict[str, BatchStatus]) -> list[Path]:
    """Batch folders of the inbox not processed to the end yet, in name order."""
    if not inbox.is_dir():
        return []
    return [
        folder
        for folder in sorted(inbox.iterdir())
        if folder.is_dir()
        and not folder.name.startswith(".")
        and statuses.get(folder.name) is not BatchStatus.PROCESSED
    ]


@task(name="relink", **transient_retries)
def relink_task(run_id: str) -> LinkSummary:
    """Link records still undecided, and those whose people changed in the population DB."""
    return link_step(_context(), run_id)


@task(name="issue-certificates", **transient_retries)
def certificates_task(run_id: str) -> dict[str, int]:
    """Extracts for the records reconciled since the last issue (CIVREG_ISSUE_CERTIFICATES)."""
    from certificates.issue import issue_nightly  # signing libraries load only when issuing

    context = _context()
    return issue_nightly(context.settings, context.store, run_id)


class NightlySummary(BaseModel):
    """What a nightly run did."""

    run_id: str
    batches: list[str]
    linking: dict[str, int]
    export: dict[str, int]
    sync: dict[str, int]
    counts: StageCounts
    certificates: dict[str, int] = Field(default_factory=dict)


@flow(name="nightly-sync", log_prints=False)
def nightly_sync() -> NightlySummary:
    """Pending batches → re-link → decisions to outbox → export → push outbox."""
    context = _context()
    run_id = current_run_id()
    prepare_stores_task()
    with lease(context.store, "nightly-sync", run_id, LEASE_TTL):
        start_run(context.store, "nightly-sync", run_id)
        pending = inbox_batches(context.settings.inbox_dir, batch_statuses(context.store))
        batches: list[BatchSummary] = [process_batch(str(folder)) for folder in pending]
        linked, export, sync = link_export_sync(run_id, "nightly", relink_task)
        linking = linked.model_dump()
        certificates = certificates_task(run_id) if context.settings.issue_certificates else {}
        counts = stage_counts(context.store)
        summary = NightlySummary(
            run_id=run_id,
            batches=[b.batch_id for b in batches],
            linking=linking,
            export=export,
            sync=sync,
            counts=counts,
            certificates=certificates,
        )
        extracts = {f"certificates_{what}": count for what, count in certificates.items()}
        finish_run(context.store, run_id, {"batches": len(batches), **export, **extracts})
    create_table_artifact(
        key="nightly-counts",
        table=[
            {"stage": stage, "what": what, "count": count}
            for stage, what, count in counts.table_rows()
        ],
        description="Where every record stands after tonight's run",
    )
    create_markdown_artifact(
        key="nightly-summary",
        markdown=(
            f"# Nightly sync\n\n- batches processed: {len(batches)}\n"
            f"- re-linked: {linking}\n- export: {export}\n- outbox: {sync}\n"
            f"- extracts: {certificates or 'not issued (CIVREG_ISSUE_CERTIFICATES=false)'}\n"
            f"- **{counts.to_review} records wait in the stewards' review queue**\n"
        ),
    )
    return summary


def run_nightly() -> NightlySummary:
    """Run ``nightly-sync`` in this process, on the configured task runner."""
    prepare_environment()
    runner = make_task_runner(get_settings())
    return nightly_sync.with_options(task_runner=runner)()
