"""The error a file of a batch raises when it cannot be read: it carries the quarantine reason."""

from __future__ import annotations

from civreg.errors import InputFileError
from schemas.enums import QuarantineReason


class UnreadableFileError(InputFileError):
    """A file that must be quarantined; ``str(err)`` is ``"<relative path>: <what is wrong>"``."""

    def __init__(self, path: str, reason: QuarantineReason, problem: str) -> None:
        super().__init__(path, problem, hint=None)
        self.quarantine_reason = reason
