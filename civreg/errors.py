"""civreg's exception hierarchy.

Every error a user can meet is a :class:`CivregError` with a stable exit code and a message a
clerk can act on: it names the file, page, line or field at fault and says what to do. The CLI
turns them into that exit code; flows decide from the class whether a retry can help
(:class:`TransientError`) or not (everything else).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``civreg`` command; stable across releases."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    CONFIGURATION = 3
    INPUT_FILE = 4
    DATA_VALIDATION = 5
    STORE = 6
    POPULATION_IMPORT = 7
    MISSING_DEPENDENCY = 8
    CERTIFICATE_REFUSED = 9  # a record that may not be certified (not linked, blocking issue)
    CERTIFICATE_TAMPERED = 10  # the PDF changed after it was signed
    CERTIFICATE_UNKNOWN_SIGNER = 11  # signed, but not by the configured ward certificate
    CERTIFICATE_QR_INVALID = 12  # the QR code is missing, forged or certifies other facts
    CERTIFICATE_OUTDATED = 13  # the record was corrected since issue (or the extract superseded)
    CERTIFICATE_WITHDRAWN = 14  # the record is gone or no longer linked
    TRANSIENT = 75  # EX_TEMPFAIL: try again later


class CivregError(Exception):
    """Base of all civreg errors; ``str(err)`` is the user-facing message."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigurationError(CivregError):
    """A setting is missing or invalid."""

    exit_code = ExitCode.CONFIGURATION


class MissingDependencyError(CivregError):
    """A program civreg needs (Tesseract, a language model, a font) is not installed."""

    exit_code = ExitCode.MISSING_DEPENDENCY


class InputFileError(CivregError):
    """A file of a batch cannot be read; it is quarantined and the batch goes on."""

    exit_code = ExitCode.INPUT_FILE

    def __init__(self, path: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {reason}", hint=hint)
        self.path = path
        self.reason = reason


class DataValidationError(CivregError):
    """Input data breaks a contract (a column, a value, a record)."""

    exit_code = ExitCode.DATA_VALIDATION


class PopulationImportError(CivregError):
    """A population extract could not be loaded (wholly or, with ``--strict``, partly)."""

    exit_code = ExitCode.POPULATION_IMPORT


class StoreError(CivregError):
    """The work store or population DB refused an operation."""

    exit_code = ExitCode.STORE


class TransientError(CivregError):
    """A failure that may pass on its own (lost connection, lock timeout): safe to retry."""

    exit_code = ExitCode.TRANSIENT
