"""Logging set-up: rich console output, personal data only at DEBUG.

Modules log counts, file names and codes at INFO and above; names and personal IDs may appear
only in DEBUG messages. :func:`redact` masks an ID for messages that must mention one.
"""

from __future__ import annotations

import logging

from rich.logging import RichHandler

QUIET_LIBRARIES = ("httpx", "httpcore", "alembic.runtime.migration")


def configure_logging(level: str = "INFO") -> None:
    """Send civreg's logs to stderr through rich, at ``level``."""
    logging.basicConfig(
        level=level.upper(),
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(show_path=False, rich_tracebacks=False)],
        force=True,
    )
    # Client libraries log every HTTP request at INFO; that is noise to a clerk.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def redact(value: str | None) -> str:
    """Mask a personal ID or name for logs above DEBUG: ``001090123456`` -> ``001*******56``."""
    if not value:
        return "∅"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]
