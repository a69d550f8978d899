"""``civreg synth``: generate the synthetic district the demo, tests and benchmarks stand on."""

from __future__ import annotations

import re
import time
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

app = typer.Typer(help="Generate synthetic districts: population, register books, scans.")


@app.command("district")
def district(
    people: int = typer.Option(..., "--people", help="People to simulate (DB + absent)."),
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed gives the same bytes."),
    out: Path = typer.Option(..., "--out", help="Output folder (created if missing)."),
    wards: int = typer.Option(2, "--wards", help="Register wards, Tây Hồ's old wards first."),
    years: str = typer.Option("1995-2025", "--years", help="Years of the books, e.g. 1995-2025."),
) -> None:
    """Simulate a population and write population.csv, books/*.json and manifest.json."""
    from synth.district import DistrictOptions, generate_district, summary_table, write_district

    span = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", years)
    if not span:
        raise typer.BadParameter(f"expected FIRST-LAST, e.g. 1995-2025; got {years!r}")
    try:
        options = DistrictOptions(
            people=people,
            seed=seed,
            wards=wards,
            first_year=int(span.group(1)),
            last_year=int(span.group(2)),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors()
        )
        raise typer.BadParameter(problems) from exc
    started = time.perf_counter()
    manifest = write_district(generate_district(options), out)
    console = Console()
    console.print(summary_table(manifest))
    console.print(f"written to {out} in {time.perf_counter() - started:.1f} s")


@app.command("scans")
def scans(
    *,
    district: Path = typer.Option(..., "--district", help="District folder holding books/*.json."),
    out: Path = typer.Option(..., "--out", help="Writes scans/<book>/ and truth/<book>/ here."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same bytes."),
    levels: str = typer.Option(
        "clean,mild,degraded,severe", "--levels", help="Degradation levels, comma-separated."
    ),
    shapes: str = typer.Option(
        "ruled_table,form,born_digital", "--shapes", help="Page shapes, comma-separated."
    ),
    limit_pages: int | None = typer.Option(
        None, "--limit-pages", min=1, help="Stop after this many pages."
    ),
) -> None:
    """Render the district's register books as scans, with the ground truth of every file."""
    from synth.render.cli import run_scans, scan_options, summary_table

    options = scan_options(seed, levels, shapes, limit_pages)
    report = run_scans(district, out, options, Console(stderr=True))
    Console().print(summary_table(report, out))


@app.command("gallery")
def gallery(
    out: Path = typer.Option(..., "--out", help="Output folder (created if missing)."),
) -> None:
    """Render one page of every shape and degradation level, and a contact sheet gallery.png."""
    from synth.render.cli import run_gallery

    sheet = run_gallery(out, Console(stderr=True))
    Console().print(f"contact sheet: {sheet}")
