"""How the flows run: a quiet, offline-safe Prefect environment and the task runner to use.

Tesseract is run single-threaded (``OMP_THREAD_LIMIT=1``) with one page per worker: measured
here, parallel single-threaded runs are several times faster than multi-threaded ones side by
side. The task runner is one setting (``CIVREG_TASK_RUNNER``): threads by default, processes,
or a Dask cluster (``CIVREG_DASK_ADDRESS``) to spread OCR across machines.
"""

from __future__ import annotations

import logging

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from civreg.environment import apply_run_environment
from civreg.errors import ConfigurationError, MissingDependencyError
from civreg.settings import Settings

# Harmless shutdown noise of the ephemeral server ("Error flushing events", CancelledError):
# results are right every time, users should not see tracebacks for it.
NOISY_LOGGERS = ("prefect.events.clients", "prefect._internal.events", "prefect.server.events")


def prepare_environment() -> None:
    """Set the environment every flow run needs, keeping values the user set explicitly."""
    apply_run_environment()
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def quiet_prefect_shutdown() -> None:
    """Hide the ephemeral server's "Stopping temporary server" line, logged at exit.

    For commands that print their summary after the run: the summary stays the last thing the
    user reads. Call it only once the flows of the process have run.
    """
    logging.getLogger("prefect").setLevel(logging.WARNING)


def make_task_runner(settings: Settings) -> TaskRunner:
    """The task runner named by ``settings.task_runner``, sized to ``settings.ocr_workers``."""
    workers = settings.ocr_workers
    if settings.task_runner == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if settings.task_runner == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise MissingDependencyError(
                "CIVREG_TASK_RUNNER=dask needs the prefect-dask package",
                hint="pip install 'civreg[dask]'",
            ) from exc
        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    raise ConfigurationError(f"unknown task runner {settings.task_runner!r}")
