"""``civreg certificate``: issue and verify electronic extracts; development keys for the demo."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.console import Console

from civreg.errors import CivregError, InputFileError
from civreg.settings import get_settings
from schemas.enums import RegisterType

app = typer.Typer(help="Electronic extracts: issue signed PDFs, verify them, dev keys.")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fail(exc: CivregError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(int(exc.exit_code))


@app.command("dev-keys")
def dev_keys(
    ward: str = typer.Option("Phường Tây Hồ", "--ward", help="Ward named in the certificate."),
    force: bool = typer.Option(False, "--force", help="Replace an existing pair."),
) -> None:
    """Create a development key pair and self-signed certificate (never for production)."""
    from certificates.keys import create_dev_keys

    settings = get_settings()
    key_path = settings.resolved_signing_key_path
    cert_path = settings.resolved_signing_cert_path
    if create_dev_keys(key_path, cert_path, ward, overwrite=force):
        console.print(f"development key {key_path} and certificate {cert_path} written")
    else:
        console.print(f"kept the existing key {key_path} and certificate {cert_path}")


@app.command("issue")
def issue(
    record_id: str | None = typer.Argument(None, help="The record to certify."),
    *,
    personal_id: str | None = typer.Option(
        None, "--personal-id", help="Find the record linked to this person (with --type)."
    ),
    register_type: RegisterType | None = typer.Option(
        None, "--type", help="Register type of the record found by --personal-id."
    ),
    run_id: str | None = typer.Option(
        None, "--run", help="Every record this run matched that needs an extract."
    ),
    pending: bool = typer.Option(
        False, "--pending", help="Every linked record whose extract is missing or outdated."
    ),
    actor: str = typer.Option(
        None, "--actor", help="Who issues, for the audit trail (default cli:<user>)."
    ),
) -> None:
    """Issue extracts: one record, a run's records, or every pending one."""
    from certificates.issue import (
        IssueContext,
        find_record,
        issue_certificate,
        issue_for_run,
        issue_pending,
    )
    from civreg.db import make_engine

    chosen = sum([record_id is not None, personal_id is not None, run_id is not None, pending])
    if chosen != 1:
        err_console.print("give exactly one of RECORD_ID, --personal-id, --run, --pending")
        raise typer.Exit(2)
    if personal_id is not None and register_type is None:
        err_console.print("--personal-id needs --type (birth, death or marriage)")
        raise typer.Exit(2)
    settings = get_settings()
    engine = make_engine(settings.resolved_store_url)
    who = actor or _default_actor()
    try:
        context = IssueContext.from_settings(settings, engine)
        if run_id is not None or pending:
            report = (
                issue_for_run(context, run_id, who)
                if run_id is not None
                else issue_pending(context, who, include_refused=True)
            )
            console.print(
                f"{report.issued} issued, {report.reissued} reissued (old ones superseded), "
                f"{report.unchanged} unchanged, {report.refused} refused"
                + (f" {report.refusals}" if report.refusals else "")
            )
            return
        if personal_id is not None and register_type is not None:
            record_id = find_record(engine, personal_id, register_type)
        assert record_id is not None
        issued = issue_certificate(context, record_id, who)
    except CivregError as exc:
        raise _fail(exc) from exc
    finally:
        engine.dispose()
    line = f"extract {issued.certificate_id} {issued.outcome.value}: {issued.pdf_path}"
    if issued.superseded:
        line += f" (supersedes {issued.superseded})"
    console.print(line)


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="The extract (PDF) to check."),
    offline: bool = typer.Option(
        False, "--offline", help="Check the signature and QR code only, not the work store."
    ),
) -> None:
    """Check an extract's signature, QR code, and that the record still says the same.

    Exit codes: 0 valid, 10 tampered, 11 unknown signer, 12 QR code invalid, 13 record corrected
    or extract superseded, 14 record withdrawn.
    """
    from certificates.keys import read_certificate
    from certificates.verify import verify_extract, verify_file_only
    from civreg.db import make_engine

    settings = get_settings()
    try:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InputFileError(str(file), f"cannot be read ({exc})") from exc
        trusted = read_certificate(settings.resolved_trusted_cert_path)
        if offline:
            checked = verify_file_only(data, trusted, str(file))
            console.print(
                f"{file}: signature and QR code valid (extract "
                f"{checked.payload.certificate_id}, signed by {checked.signer}); "
                "the record was not checked"
            )
            return
        engine = make_engine(settings.resolved_store_url)
        try:
            verified = verify_extract(data, engine, trusted, str(file))
        finally:
            engine.dispose()
    except CivregError as exc:
        raise _fail(exc) from exc
    console.print(
        f"{file}: valid — extract {verified.certificate_id} of record {verified.record_id}, "
        f"issued {verified.issue_date.isoformat()}, signed by {verified.signer}; "
        "the record still certifies the same facts"
    )
