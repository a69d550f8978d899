"""Runs ``process-batch`` for uploaded batches in a background thread of the app.

One batch at a time (OCR already uses every core); the upload's state in the store says where
it stands, so every worker process of the app shows the same progress. A run holds a lease on its
batch (:mod:`store.locks`), so two app processes never run the same batch side by side; an app
that starts picks up uploads a stopped one left unfinished (the pipeline resumes without
duplicates). A batch that fails is marked failed with the error; its files stay in the inbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine

from schemas.store import UploadState
from store.audit import AuditEntry, append_audit
from store.locks import release, try_acquire
from store.review import set_upload_state, uploads

log = logging.getLogger(__name__)

BatchRunner = Callable[[Path, str], object]
RUN_LEASE = dt.timedelta(hours=6)
"""Longest a batch run may hold its batch before another process may take it over."""


def default_runner(batch_dir: Path, batch_id: str) -> object:
    """The real pipeline: :func:`flows.batch.run_batch` (imported late: Prefect is slow to load)."""
    from flows.batch import run_batch

    return run_batch(batch_dir, batch_id)


class BatchWorker:
    """A one-thread executor of batch runs."""

    def __init__(self, store: Engine, runner: BatchRunner = default_runner) -> None:
        self.store = store
        self.runner = runner
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civreg-batch")
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"

    def submit(self, batch_dir: Path, batch_id: str, actor: str) -> Future[None]:
        """Queue a run of the batch."""
        return self._executor.submit(self._run, batch_dir, batch_id, actor)

    def resume(self, inbox_dir: Path) -> list[str]:
        """Queue the uploads a stopped app left queued or running; their ids."""
        pending = [
            upload
            for upload in uploads(self.store).values()
            if upload.state in (UploadState.QUEUED, UploadState.RUNNING)
            and (inbox_dir / upload.batch_id).is_dir()
        ]
        for upload in pending:
            self.submit(
                (inbox_dir / upload.batch_id).resolve(), upload.batch_id, upload.uploaded_by
            )
        return [u.batch_id for u in pending]

    def _run(self, batch_dir: Path, batch_id: str, actor: str) -> None:
        job = f"upload:{batch_id}"
        if not try_acquire(self.store, job, self.holder, RUN_LEASE):
            log.info("batch %s is being run by another process", batch_id)
            return
        try:
            self._run_held(batch_dir, batch_id, actor)
        finally:
            release(self.store, job, self.holder)

    def _run_held(self, batch_dir: Path, batch_id: str, actor: str) -> None:
        set_upload_state(self.store, batch_id, UploadState.RUNNING)
        try:
            self.runner(batch_dir, batch_id)
        except Exception as exc:
            log.exception("batch %s failed", batch_id)
            set_upload_state(
                self.store, batch_id, UploadState.FAILED, f"{type(exc).__name__}: {exc}"
            )
            append_audit(
                self.store,
                AuditEntry(actor, "batch.failed", "batch", batch_id, {"error": str(exc)[:500]}),
            )
            return
        set_upload_state(self.store, batch_id, UploadState.DONE)
        append_audit(self.store, AuditEntry(actor, "batch.processed", "batch", batch_id))

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking runs; wait for the current one when asked."""
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
