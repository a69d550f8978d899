"""Progress of a running flow, for whoever started it in this process (the CLI's bars).

The flows report each stage as it advances (files ingested, pages read of the batch's total,
records normalized, linked, exported, sent) to the observer installed with :func:`observing`;
with none installed (a deployment run on a worker) a report costs nothing. Reports are made by
the flow's own code, which runs in the process that called it whatever the task runner, so the
observer sees pages read on threads, processes or a Dask cluster alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Stage(StrEnum):
    """The stages a flow reports, in pipeline order; the value is what a user reads."""

    INGEST = "files ingested"
    OCR = "pages read"
    NORMALIZE = "records normalized"
    MATCH = "parties matched"
    EXPORT = "export partitions"
    SYNC = "outbox messages acknowledged"


class ProgressObserver(Protocol):
    """Told ``done`` of ``total`` for a stage (``total`` None: not known yet)."""

    def update(self, stage: Stage, done: int, total: int | None, scope: str) -> None: ...


_observer: ContextVar[ProgressObserver | None] = ContextVar("civreg_progress", default=None)


@contextmanager
def observing(observer: ProgressObserver) -> Iterator[None]:
    """Send the progress of the flows run inside this block to ``observer``."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def report(stage: Stage, done: int, total: int | None = None, scope: str = "") -> None:
    """Tell the observer, if any, that ``stage`` (of ``scope``, e.g. a batch) is at ``done``."""
    observer = _observer.get()
    if observer is None:
        return
    try:
        observer.update(stage, done, total, scope)
    except Exception:  # a display fault must never stop a batch
        log.warning("progress display failed", exc_info=True)
