"""Extracts: issue, read back, verify, refuse, supersede — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pdfplumber
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import select
from typer.testing import CliRunner

from certificates import (
    CertificateInvalidError,
    CertificateRefusedError,
    Failure,
    IssueOutcome,
    certificate_pdf_bytes,
    create_dev_keys,
    issue_certificate,
    issue_for_run,
    issue_pending,
    load_certificate,
    read_certificate,
    record_states,
    verify_extract,
)
from certificates.issue import build_extract, issue_nightly
from certificates.payload import verify_payload
from certificates.render import ExtractPage, read_facts, render_extract
from certificates.signing import read_qr, sign_extract
from civreg.errors import ExitCode
from civreg.settings import get_settings
from schemas.enums import DecisionKind, IssueSeverity, RegisterType
from schemas.records import ValidationIssue
from schemas.store import AuditEvent, Party
from store import (
    CandidateScore,
    CandidateSet,
    DecisionInput,
    append_decision,
    load_records,
    save_candidates,
    save_records,
)
from store.certificates import record_certificates

STEWARD = "steward.lan"
TODAY = dt.date(2026, 11, 27)


def _trusted(linked):
    return linked.context.keys.certificate


def _issue(linked, record_id: str, actor: str = "clerk.hoa"):
    return issue_certificate(linked.context, record_id, actor, today=TODAY)


def _expect(failure: Failure, pdf: bytes, linked, trusted=None) -> CertificateInvalidError:
    with pytest.raises(CertificateInvalidError) as caught:
        verify_extract(pdf, linked.store, trusted or _trusted(linked), "extract.pdf")
    assert caught.value.failure is failure, str(caught.value)
    return caught.value


def test_text_read_back_equals_the_certified_fields_with_diacritics(linked) -> None:
    issued = _issue(linked, linked.birth)
    assert issued.outcome is IssueOutcome.ISSUED
    pdf = issued.pdf_path.read_bytes()
    facts = record_states(linked.store, [linked.birth])[linked.birth].facts
    assert facts is not None
    assert read_facts(pdf, RegisterType.BIRTH) == facts.pairs()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page_text = document.pages[0].extract_text()
    for line in [
        "TRÍCH LỤC KHAI SINH",
        "Họ, chữ đệm, tên: Nguyễn Văn An",
        "Ngày, tháng, năm sinh: 12/08/1950",
        "Giới tính: Nam",
        "Nơi sinh: Bệnh viện Phụ sản Hà Nội, phường Láng, thành phố Hà Nội",
        "Quê quán: xã Đông Hưng, tỉnh Thái Bình",
        "Số định danh cá nhân: 001198000001",  # the person the record is linked to
        "Họ, chữ đệm, tên người mẹ: Trần Thị Ngọc Ánh",
        "Họ, chữ đệm, tên người cha: Nguyễn Đức Thắng",
        "Ngày, tháng, năm đăng ký: 05/03/1998",
        "Nơi đăng ký: Phường Tây Hồ",
        "ỦY BAN NHÂN DÂN",
    ]:
        assert line in page_text
    stored = load_certificate(linked.store, issued.certificate_id)
    assert stored is not None and stored.facts_hash == facts.digest
    assert [tuple(f[::2]) for f in stored.facts] == facts.pairs()


def test_an_untouched_extract_verifies_and_its_qr_code_is_signed(linked) -> None:
    issued = _issue(linked, linked.birth)
    pdf = issued.pdf_path.read_bytes()
    verified = verify_extract(pdf, linked.store, _trusted(linked), "extract.pdf")
    assert (verified.certificate_id, verified.record_id) == (issued.certificate_id, linked.birth)
    assert verified.issue_date == TODAY
    assert "UBND Phường Tây Hồ" in verified.signer
    payload = verify_payload(read_qr(pdf, "x"), linked.context.keys.public_key)
    assert payload.record_id == linked.birth and payload.ward_code == "00103"
    assert payload.certificate_id == issued.certificate_id
    assert (
        certificate_pdf_bytes(linked.store, linked.context.certificates_dir, issued.certificate_id)
        == pdf
    )


def test_a_byte_edited_extract_is_tampered(linked) -> None:
    pdf = _issue(linked, linked.birth).pdf_path.read_bytes()
    position = pdf.index(b"civreg extract")  # the document's subject, inside the signed range
    edited = pdf[:position] + b"C" + pdf[position + 1 :]
    error = _expect(Failure.TAMPERED, edited, linked)
    assert error.exit_code == ExitCode.CERTIFICATE_TAMPERED
    assert _expect(Failure.TAMPERED, pdf[: len(pdf) // 2], linked).exit_code == 10


def test_an_update_appended_after_signing_is_tampered(linked) -> None:
    pdf = _issue(linked, linked.birth).pdf_path.read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/Lang"] = generic.pdf_string("vi")
    writer.update_root()
    updated = io.BytesIO()
    writer.write(updated)
    error = _expect(Failure.TAMPERED, updated.getvalue(), linked)
    assert "added to the file after it was signed" in str(error)


def test_a_qr_code_of_another_record_is_refused(linked) -> None:
    context = linked.context
    own = record_states(linked.store, [linked.birth])[linked.birth].facts
    other_pdf = _issue(linked, linked.other_birth).pdf_path.read_bytes()
    foreign_qr = read_qr(other_pdf, "other")
    page = ExtractPage("00" * 10, TODAY, context.signer_name, foreign_qr)
    forged = sign_extract(render_extract(own, page), context.keys, own.ward)  # ward-signed
    error = _expect(Failure.QR_INVALID, forged, linked)
    assert "other facts than those printed" in str(error)
    assert error.exit_code == ExitCode.CERTIFICATE_QR_INVALID


def test_a_correction_outdates_the_extract_and_issues_a_new_one(linked) -> None:
    first = _issue(linked, linked.birth)
    old_pdf = first.pdf_path.read_bytes()
    append_decision(
        linked.store,
        DecisionInput(
            record_id=linked.birth,
            kind=DecisionKind.STEWARD_CORRECT_FIELD,
            actor=STEWARD,
            payload={"field": "full_name", "value": "Nguyễn Văn Ân"},
        ),
    )
    error = _expect(Failure.RECORD_CORRECTED, old_pdf, linked)
    assert "Họ, chữ đệm, tên" in str(error) and error.exit_code == ExitCode.CERTIFICATE_OUTDATED

    second = _issue(linked, linked.birth, actor=STEWARD)
    assert second.outcome is IssueOutcome.REISSUED and second.superseded == first.certificate_id
    assert second.certificate_id != first.certificate_id
    assert first.pdf_path.read_bytes() == old_pdf, "the old extract's file is kept"
    new_pdf = second.pdf_path.read_bytes()
    assert dict(read_facts(new_pdf, RegisterType.BIRTH))["full_name"] == "Nguyễn Văn Ân"
    verify_extract(new_pdf, linked.store, _trusted(linked))
    history = record_certificates(linked.store, linked.birth)
    assert [(c.sequence, c.superseded_by) for c in history] == [
        (1, second.certificate_id),
        (2, None),
    ]
    assert _issue(linked, linked.birth).outcome is IssueOutcome.UNCHANGED

    # the steward reverts the name: the facts equal the first extract's, yet it stays superseded
    append_decision(
        linked.store,
        DecisionInput(
            record_id=linked.birth,
            kind=DecisionKind.STEWARD_CORRECT_FIELD,
            actor=STEWARD,
            payload={"field": "full_name", "value": "Nguyễn Văn An"},
        ),
    )
    error = _expect(Failure.RECORD_CORRECTED, old_pdf, linked)
    assert f"superseded by {second.certificate_id}" in str(error)


def test_the_audit_trail_names_who_when_and_which_record_version(linked) -> None:
    first = _issue(linked, linked.birth, actor="clerk.hoa")
    version = load_records(linked.store, record_ids=[linked.birth])[0].version
    append_decision(
        linked.store,
        DecisionInput(
            record_id=linked.birth,
            kind=DecisionKind.STEWARD_CORRECT_FIELD,
            actor=STEWARD,
            payload={"field": "date_of_birth", "value": "1950-08-21"},
        ),
    )
    second = _issue(linked, linked.birth, actor=STEWARD)
    with linked.store.connect() as connection:
        events = connection.execute(select(AuditEvent).order_by(AuditEvent.event_id)).all()
    trail = [
        (e.actor, e.action, e.subject_type, e.subject_id, e.detail)
        for e in events
        if e.action.startswith("certificate.")
    ]
    assert [row[:4] for row in trail] == [
        ("clerk.hoa", "certificate.issue", "record", linked.birth),
        (STEWARD, "certificate.supersede", "certificate", first.certificate_id),
        (STEWARD, "certificate.issue", "record", linked.birth),
    ]
    assert trail[0][4]["certificate_id"] == first.certificate_id
    assert trail[0][4]["record_version"] == version
    assert trail[1][4]["superseded_by"] == second.certificate_id
    assert trail[2][4]["supersedes"] == first.certificate_id
    assert all(e.created_at is not None for e in events)


def test_a_wrong_public_key_fails_the_signature_and_the_qr_code(linked, tmp_path: Path) -> None:
    pdf = _issue(linked, linked.birth).pdf_path.read_bytes()
    create_dev_keys(tmp_path / "k.pem", tmp_path / "c.pem", "Phường Tây Hồ")
    stranger = read_certificate(tmp_path / "c.pem")
    error = _expect(Failure.UNKNOWN_SIGNER, pdf, linked, trusted=stranger)
    assert error.exit_code == ExitCode.CERTIFICATE_UNKNOWN_SIGNER
    with pytest.raises(CertificateInvalidError) as caught:
        verify_payload(read_qr(pdf, "x"), stranger.public_key())
    assert caught.value.failure is Failure.QR_INVALID
    assert "does not verify" in str(caught.value)


def test_an_unlinked_record_is_refused_with_its_status(linked) -> None:
    with pytest.raises(CertificateRefusedError) as caught:
        _issue(linked, linked.unmatched_birth)
    assert "unmatched" in caught.value.reason and "linked" in caught.value.reason
    assert caught.value.exit_code == ExitCode.CERTIFICATE_REFUSED
    assert record_certificates(linked.store, linked.unmatched_birth) == []


def test_a_record_with_a_blocking_issue_is_refused(linked) -> None:
    record = load_records(linked.store, record_ids=[linked.other_birth])[0].record
    issue = ValidationIssue(
        field="date_of_birth",
        code="date.after_registration",
        message="born after the registration",
        severity=IssueSeverity.ERROR,
    )
    save_records(linked.store, [record.model_copy(update={"issues": [issue]})])
    with pytest.raises(CertificateRefusedError) as caught:
        _issue(linked, linked.other_birth)
    assert "blocking" in caught.value.reason and "date.after_registration" in caught.value.reason
    assert record_certificates(linked.store, linked.other_birth) == []


def test_a_rejected_record_withdraws_its_extract(linked) -> None:
    pdf = _issue(linked, linked.death).pdf_path.read_bytes()
    assert "TRÍCH LỤC KHAI TỬ" in pdfplumber.open(io.BytesIO(pdf)).pages[0].extract_text()
    verify_extract(pdf, linked.store, _trusted(linked))
    append_decision(
        linked.store,
        DecisionInput(record_id=linked.death, kind=DecisionKind.STEWARD_REJECT, actor=STEWARD),
    )
    error = _expect(Failure.RECORD_WITHDRAWN, pdf, linked)
    assert "rejected" in str(error) and error.exit_code == ExitCode.CERTIFICATE_WITHDRAWN


def test_issue_pending_issues_each_linked_record_once(linked) -> None:
    first = issue_pending(linked.context, "system", run_id="nightly-1", today=TODAY)
    # linked: births 0 and 1, the steward-linked death, the marriage with both spouses linked
    assert (first.issued, first.reissued, first.unchanged) == (4, 0, 0)
    again = issue_pending(linked.context, "system", today=TODAY)
    assert (again.issued, again.reissued, again.unchanged) == (0, 0, 4)
    marriage = record_certificates(linked.store, linked.marriage)[0]
    path = linked.context.certificates_dir / marriage.pdf_path
    printed = dict(read_facts(path.read_bytes(), RegisterType.MARRIAGE))
    assert printed["husband_full_name"] == "Lý Minh Khoa"
    assert printed["wife_personal_id"] == "001178000006"
    asked = issue_pending(linked.context, "system", record_ids=[linked.unmatched_birth])
    assert (asked.refused, asked.refusals) == (1, {"not_linked": 1})


def test_the_extract_itself_is_built_deterministically_but_signed_freshly(linked) -> None:
    facts = record_states(linked.store, [linked.birth])[linked.birth].facts
    one = build_extract(linked.context, facts, "ab" * 10, TODAY)
    two = build_extract(linked.context, facts, "ab" * 10, TODAY)
    assert read_facts(one, RegisterType.BIRTH) == read_facts(two, RegisterType.BIRTH)
    assert read_qr(one, "one") != read_qr(two, "two"), "ECDSA signatures are randomized"


def test_the_cli_issues_by_personal_id_and_verifies_with_exit_codes(
    linked, cli_app, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVREG_STORE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        ["certificate", "issue", "--personal-id", "001198000001", "--type", "birth"],
    )
    assert result.exit_code == 0, result.output
    [certificate] = record_certificates(linked.store, linked.birth)
    path = linked.context.certificates_dir / certificate.pdf_path
    result = runner.invoke(cli_app, ["certificate", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    edited = path.with_name("edited.pdf")
    data = path.read_bytes()
    position = data.index(b"civreg extract")
    edited.write_bytes(data[:position] + b"X" + data[position + 1 :])
    result = runner.invoke(cli_app, ["certificate", "verify", str(edited)])
    assert result.exit_code == ExitCode.CERTIFICATE_TAMPERED
    result = runner.invoke(cli_app, ["certificate", "verify", "--offline", str(edited)])
    assert result.exit_code == ExitCode.CERTIFICATE_TAMPERED
    result = runner.invoke(cli_app, ["certificate", "verify", "--offline", str(path)])
    assert result.exit_code == 0, result.output
    assert "the record was not checked" in " ".join(result.output.split())  # rich wraps lines
    result = runner.invoke(cli_app, ["certificate", "issue", linked.unmatched_birth])
    assert result.exit_code == ExitCode.CERTIFICATE_REFUSED


def test_the_nightly_step_is_off_by_default_and_counts_when_on(
    linked, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert issue_nightly(get_settings(), linked.store, "run-1") == {}
    assert record_certificates(linked.store, linked.birth) == []
    monkeypatch.setenv("CIVREG_ISSUE_CERTIFICATES", "true")
    get_settings.cache_clear()
    counts = issue_nightly(get_settings(), linked.store, "run-2")
    assert counts == {"issued": 4, "reissued": 0, "unchanged": 0, "refused": 0}
    [certificate] = record_certificates(linked.store, linked.birth)
    assert (certificate.run_id, certificate.issued_by) == ("run-2", "system:nightly-sync")
    assert issue_nightly(get_settings(), linked.store, "run-3")["unchanged"] == 4


def test_issue_for_run_takes_the_records_that_run_matched(linked) -> None:
    candidates = [
        CandidateSet(record_id, Party.SUBJECT, "m1", (CandidateScore(pid, 14.0),))
        for record_id, pid in [
            (linked.birth, "001198000001"),
            (linked.unmatched_birth, "001198000009"),
        ]
    ]
    save_candidates(linked.store, candidates, run_id="run-42")
    report = issue_for_run(linked.context, "run-42", "system")
    assert (report.issued, report.refused, report.refusals) == (1, 1, {"not_linked": 1})
    [certificate] = record_certificates(linked.store, linked.birth)
    assert certificate.run_id == "run-42"
    assert record_certificates(linked.store, linked.other_birth) == []
