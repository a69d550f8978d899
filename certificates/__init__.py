"""Electronic extracts (trích lục khai sinh, khai tử, kết hôn): issued, signed, verifiable.

Plain functions for the CLI, the nightly flow and the review app:

- :func:`~certificates.issue.issue_certificate` — issue the extract of one record (refused with
  the reason unless the record is linked and free of blocking issues; a no-op when the extract in
  force still holds; a correction issues a new one and supersedes the old);
- :func:`~certificates.issue.issue_pending` — the same for every record that needs it;
- :func:`~certificates.issue.certificate_pdf` / :func:`~certificates.issue.certificate_pdf_bytes`
  — an issued extract's file, checked against the hash recorded at issue;
- :func:`~certificates.verify.verify_extract` — check a PDF: signature, QR code, current record.

A review-app download is::

    context = IssueContext.from_settings(settings, store_engine)
    issued = issue_certificate(context, record_id, actor=steward_login)
    data = certificate_pdf_bytes(store_engine, context.certificates_dir, issued.certificate_id)
"""

from certificates.errors import CertificateInvalidError, CertificateRefusedError, Failure
from certificates.issue import (
    IssueContext,
    IssuedExtract,
    IssueOutcome,
    IssueReport,
    certificate_pdf,
    certificate_pdf_bytes,
    find_record,
    issue_certificate,
    issue_for_run,
    issue_pending,
    record_states,
)
from certificates.keys import WardKeys, create_dev_keys, load_ward_keys, read_certificate
from certificates.verify import VerifiedExtract, verify_extract
from store.certificates import StoredCertificate, load_certificate, record_certificates

__all__ = [
    "CertificateInvalidError",
    "CertificateRefusedError",
    "Failure",
    "IssueContext",
    "IssueOutcome",
    "IssueReport",
    "IssuedExtract",
    "StoredCertificate",
    "VerifiedExtract",
    "WardKeys",
    "certificate_pdf",
    "certificate_pdf_bytes",
    "create_dev_keys",
    "find_record",
    "issue_certificate",
    "issue_for_run",
    "issue_pending",
    "load_certificate",
    "load_ward_keys",
    "read_certificate",
    "record_certificates",
    "record_states",
    "verify_extract",
]
