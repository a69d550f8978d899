"""Flow runs with their counts, and watermarks (how far a feed or a step has got)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select

from civreg.errors import StoreError
from schemas.store import Run, SyncWatermark, utcnow
from store._session import Bind, dialect_insert, insert_missing, reading, writing


def start_run(bind: Bind, flow_name: str, run_id: str | None = None) -> str:
    """Record the start of a run (a fresh id unless given); starting a known run is a no-op."""
    run_id = run_id or uuid.uuid4().hex
    now = utcnow()
    row = {"run_id": run_id, "flow_name": flow_name, "started_at": now, "counts": {}}
    with writing(bind) as session:
        insert_missing(session, Run.__table__, [row], ["run_id"], "run_id")
    return run_id


def finish_run(bind: Bind, run_id: str, counts: Mapping[str, int]) -> None:
    """Record the end of a run and what it counted."""
    with writing(bind) as session:
        run = session.get(Run, run_id)
        if run is None:
            raise StoreError(f"run {run_id} was never started")
        run.finished_at = utcnow()
        run.counts = dict(counts)


def run_counts(bind: Bind, run_id: str) -> dict[str, int]:
    """What a run counted (empty while it runs)."""
    with reading(bind) as session:
        counts = session.scalar(select(Run.counts).where(Run.run_id == run_id))
    if counts is None:
        raise StoreError(f"run {run_id} was never started")
    return dict(counts)


def get_watermark(bind: Bind, name: str, default: str | None = None) -> str | None:
    """The watermark's value, or ``default`` when never set."""
    with reading(bind) as session:
        value = session.scalar(select(SyncWatermark.value).where(SyncWatermark.name == name))
    return default if value is None else value


def set_watermark(bind: Bind, name: str, value: str) -> None:
    """Set a watermark (created on first use)."""
    table = SyncWatermark.__table__
    now = utcnow()
    with writing(bind) as session:
        statement = dialect_insert(session, table).values(name=name, value=value, updated_at=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.name], set_={"value": value, "updated_at": now}
            )
        )
