"""Errors of issuing and verifying extracts, each with its stable exit code."""

from __future__ import annotations

from enum import StrEnum

from civreg.errors import CivregError, ExitCode


class CertificateRefusedError(CivregError):
    """A record that may not be certified: the message says why."""

    exit_code = ExitCode.CERTIFICATE_REFUSED

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"record {record_id}: no extract issued: {reason}")
        self.record_id = record_id
        self.reason = reason


class Failure(StrEnum):
    """What a verification found wrong, from the file outward to the work store."""

    TAMPERED = "tampered"
    UNKNOWN_SIGNER = "unknown_signer"
    QR_INVALID = "qr_invalid"
    RECORD_CORRECTED = "record_corrected"
    RECORD_WITHDRAWN = "record_withdrawn"


FAILURE_EXIT_CODES: dict[Failure, ExitCode] = {
    Failure.TAMPERED: ExitCode.CERTIFICATE_TAMPERED,
    Failure.UNKNOWN_SIGNER: ExitCode.CERTIFICATE_UNKNOWN_SIGNER,
    Failure.QR_INVALID: ExitCode.CERTIFICATE_QR_INVALID,
    Failure.RECORD_CORRECTED: ExitCode.CERTIFICATE_OUTDATED,
    Failure.RECORD_WITHDRAWN: ExitCode.CERTIFICATE_WITHDRAWN,
}


class CertificateInvalidError(CivregError):
    """An extract that does not verify; ``failure`` says which check failed."""

    def __init__(self, source: str, failure: Failure, detail: str) -> None:
        super().__init__(f"{source}: {failure.value}: {detail}")
        self.failure = failure
        self.detail = detail
        self.exit_code = FAILURE_EXIT_CODES[failure]
