"""A steward issues and downloads a record's signed extract from its item page."""

from __future__ import annotations

import pytest

from certificates import create_dev_keys, read_certificate, record_certificates, verify_extract
from schemas.enums import DecisionKind
from store.matches import latest_decisions
from store.review import review_queue

pytestmark = pytest.mark.usefixtures("processed")


def _auto_linked(processed) -> str:
    decisions = latest_decisions(processed.store)
    return next(
        record_id
        for (record_id, _party), decision in sorted(decisions.items())
        if decision.kind is DecisionKind.AUTO_LINK
    )


@pytest.fixture
def ward_keys(processed) -> None:
    settings = processed.settings
    create_dev_keys(
        settings.resolved_signing_key_path, settings.resolved_signing_cert_path, "Phường Tây Hồ"
    )


@pytest.mark.usefixtures("ward_keys")
def test_a_steward_issues_and_downloads_a_verifiable_extract(processed, browser) -> None:
    record_id = _auto_linked(processed)
    steward = browser("sam")
    page = steward.get(f"/items/{record_id}")
    assert page.status_code == 200
    assert "None issued yet." in page.text and 'data-key="e"' in page.text

    issued = steward.post(f"/items/{record_id}/certificate")
    assert issued.status_code == 303
    [certificate] = record_certificates(processed.store, record_id)
    assert issued.headers["location"] == f"/certificates/{certificate.certificate_id}.pdf"
    assert certificate.issued_by == "sam"

    download = steward.get(issued.headers["location"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    trusted = read_certificate(processed.settings.resolved_trusted_cert_path)
    verified = verify_extract(download.content, processed.store, trusted)
    assert (verified.record_id, verified.certificate_id) == (record_id, certificate.certificate_id)

    # Issuing again with unchanged facts keeps the extract in force; the page lists it.
    assert steward.post(f"/items/{record_id}/certificate").status_code == 303
    assert len(record_certificates(processed.store, record_id)) == 1
    assert certificate.certificate_id in steward.get(f"/items/{record_id}").text


@pytest.mark.usefixtures("ward_keys")
def test_an_unlinked_record_is_refused_with_its_reason(processed, browser) -> None:
    waiting = review_queue(processed.store)[0].record_id
    steward = browser("sam")
    assert steward.get(f"/items/{waiting}").status_code == 200
    refused = steward.post(f"/items/{waiting}/certificate")
    assert refused.status_code == 409
    assert "No extract issued" in refused.text
    assert record_certificates(processed.store, waiting) == []


def test_roles_keys_and_files_are_checked(processed, browser) -> None:
    record_id = _auto_linked(processed)
    clerk = browser("cleo")
    assert clerk.post(f"/items/{record_id}/certificate").status_code == 403
    assert clerk.get("/certificates/unknown.pdf").status_code == 403
    steward = browser("sam")
    assert steward.get("/certificates/unknown.pdf").status_code == 404
    # Without the ward's key nothing can be signed: the page says so, nothing is recorded.
    unsigned = steward.post(f"/items/{record_id}/certificate")
    assert unsigned.status_code == 503
    assert record_certificates(processed.store, record_id) == []
    # A file changed on disk after issue is not served.
    settings = processed.settings
    create_dev_keys(
        settings.resolved_signing_key_path, settings.resolved_signing_cert_path, "Phường Tây Hồ"
    )
    location = steward.post(f"/items/{record_id}/certificate").headers["location"]
    [certificate] = record_certificates(processed.store, record_id)
    path = settings.resolved_certificates_dir / certificate.pdf_path
    path.write_bytes(path.read_bytes() + b"%")
    assert steward.get(location).status_code == 410
