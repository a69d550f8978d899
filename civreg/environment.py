"""Process environment every civreg run needs, set before Prefect is first imported.

Prefect reads its settings from the environment when it is imported, so this module imports
nothing heavy and :mod:`flows` applies it first thing.
"""

from __future__ import annotations

import os

RUN_ENVIRONMENT = {
    # Tesseract single-threaded, one page per worker: measured several times faster overall.
    "OMP_THREAD_LIMIT": "1",
    # No telemetry: these machines reach no host outside the package registries.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The ephemeral server's 20 s default start-up budget is too short on a busy 2-core host.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


def apply_run_environment() -> None:
    """Set each variable of :data:`RUN_ENVIRONMENT` unless the user set it already."""
    for name, value in RUN_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
