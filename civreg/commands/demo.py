"""``civreg demo``: the whole mission on the embedded defaults, from nothing.

Generates the sample district of ``scans/sample-district.toml`` (population and register books),
imports its population into the population DB mock, renders scans of its books into one batch,
and runs ``process-batch`` on it: everything under ``var/``. Re-running it changes nothing: the
district and scans are kept, the import and the batch are idempotent.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from civreg.errors import ConfigurationError
from civreg.settings import get_settings

app = typer.Typer(help="Run the whole pipeline on a generated sample district.")

DEFAULT_SPEC = Path("scans/sample-district.toml")


def _load_spec(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{path}: sample district description not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML ({exc})") from exc


@app.callback(invoke_without_command=True)
def demo(
    spec: Path = typer.Option(DEFAULT_SPEC, "--spec", help="The sample district's description."),
) -> None:
    """Generate a sample district, import its population, scan its books and process them."""
    from civreg.commands.run import progress_bars
    from civreg.db import shared_engine
    from civreg.migrate import upgrade_population, upgrade_store
    from flows.batch import run_batch
    from matching.population_import import import_population
    from synth.district import DistrictOptions, generate_district, write_district
    from synth.render.cli import run_scans, scan_options

    console = Console()
    settings = get_settings()
    values = _load_spec(spec)
    demo_dir = settings.var_dir / "demo"
    district_dir = demo_dir / "district"
    render_dir = demo_dir / "render"
    batch_dir = demo_dir / "inbox" / "sample-batch"

    district = values["district"]
    console.rule("1. sample district")
    if (district_dir / "manifest.json").exists():
        console.print(f"kept the district generated earlier in {district_dir}")
    else:
        options = DistrictOptions(
            people=district["people"], seed=district["seed"], wards=district["wards"]
        )
        manifest = write_district(generate_district(options), district_dir)
        console.print(
            f"{manifest.counts.people:,} people, {manifest.counts.books} register books "
            f"→ {district_dir}"
        )

    console.rule("2. population DB")
    upgrade_store(settings.resolved_store_url)
    upgrade_population(settings.resolved_population_url)
    report = import_population(
        district_dir / "population.csv", shared_engine(settings.resolved_population_url)
    )
    console.print(
        f"{report.rows_read:,} people read: {report.inserted:,} new, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged, {report.bad_rows} refused"
    )

    console.rule("3. scans of the register books")
    scans = values["scans"]
    if not (render_dir / "scans").is_dir():
        render_options = scan_options(
            scans["seed"],
            ",".join(scans["levels"]),
            ",".join(scans["shapes"]),
            scans.get("limit_pages"),
        )
        run_scans(district_dir, render_dir, render_options, console)
    batch_dir.mkdir(parents=True, exist_ok=True)
    for scan in sorted((render_dir / "scans").rglob("*")):
        if scan.is_file() and not (batch_dir / scan.name).exists():
            shutil.copy2(scan, batch_dir / scan.name)
    console.print(f"{sum(1 for _ in batch_dir.iterdir())} files in the batch {batch_dir}")

    console.rule("4. process-batch")
    with progress_bars():
        summary = run_batch(batch_dir)

    console.rule("5. electronic extracts (development keys)")
    from certificates import IssueContext, create_dev_keys, issue_pending

    if create_dev_keys(
        settings.resolved_signing_key_path, settings.resolved_signing_cert_path, "Phường Tây Hồ"
    ):
        console.print(f"development ward key written to {settings.resolved_signing_key_path}")
    store = shared_engine(settings.resolved_store_url)
    extracts = issue_pending(IssueContext.from_settings(settings, store), "system:demo")
    console.print(
        f"{extracts.issued} extracts issued, {extracts.reissued} reissued, "
        f"{extracts.unchanged} unchanged → {settings.resolved_certificates_dir.resolve()}"
    )
    console.print("check one: `civreg certificate verify FILE`")
    console.print("next: `civreg status` for the counts of every stage")

    # The summary comes last, where the user's eye lands when the demo ends.
    console.rule("summary")
    counts = summary.counts
    table = Table(title="civreg demo: what happened")
    table.add_column("")
    table.add_column("count", justify="right")
    for label, count in [
        ("pages read (this run)", summary.pages_read),
        ("files skipped, already processed", summary.duplicates),
        ("entries in the work store", counts.entries),
        ("linked automatically", counts.auto_linked),
        ("waiting for stewards", counts.to_review),
        ("new people", counts.new_person),
        ("exported rows", counts.exported),
        ("files quarantined", counts.quarantined),
    ]:
        table.add_row(label, f"{count:,}")
    console.print(table)
    console.print(f"work store:     {settings.resolved_store_url}")
    console.print(f"ground truth:   {(render_dir / 'truth').resolve()}")
    console.print(f"Parquet export: {settings.resolved_export_dir.resolve()}")
