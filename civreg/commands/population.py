"""``civreg population``: load a population extract into the population DB mock."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civreg.db import make_engine
from civreg.errors import CivregError
from civreg.migrate import safe_url, upgrade_population
from civreg.settings import get_settings
from matching.population_import import (
    ExtractRejectedError,
    ImportOptions,
    ImportReport,
    import_population,
)

app = typer.Typer(help="The population DB mock.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages name files: never wrap them


def _print_errors(report: ImportReport, shown: int) -> None:
    if not report.errors:
        return
    err_console.print(
        f"[yellow]bad rows: {report.bad_rows}[/] in {report.source} "
        f"({len(report.errors)} problems, by line; the header is line 1):"
    )
    for error in report.errors[:shown]:
        err_console.print(f"  {report.source}: {error}", highlight=False)
    if len(report.errors) > shown:
        err_console.print(f"  … and {len(report.errors) - shown} more problems")


def _print_summary(report: ImportReport, url: str) -> None:
    table = Table(title=f"{report.source} ({report.format}) -> {safe_url(url)}")
    for column in ("rows read", "inserted", "updated", "unchanged", "bad rows", "rows/s"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.rows_read),
        str(report.inserted),
        str(report.updated),
        str(report.unchanged),
        str(report.bad_rows),
        f"{report.rows_per_second:,.0f}",
    )
    console.print(table)


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="Extract to load: CSV with a header, or Parquet."),
    url: str | None = typer.Option(
        None, "--url", help="Population DB URL (default: CIVREG_POPULATION_URL)."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Load nothing, and fail, if any row is bad."
    ),
    batch_size: int = typer.Option(5_000, "--batch-size", min=1, help="Rows per transaction."),
    show_errors: int = typer.Option(20, "--show-errors", min=0, help="Bad rows to list."),
) -> None:
    """Load a population extract; bad rows are listed by line and the rest loads."""
    url = url or get_settings().resolved_population_url
    options = ImportOptions(batch_size=batch_size, strict=strict)
    engine = None
    try:
        upgrade_population(url)
        engine = make_engine(url)
        with Progress(
            TextColumn("importing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task(file.name, total=None)
            report = import_population(
                file,
                engine,
                options,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except ExtractRejectedError as exc:
        _print_errors(exc.report, show_errors)
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(int(exc.exit_code)) from exc
    except CivregError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(int(exc.exit_code)) from exc
    finally:
        if engine is not None:
            engine.dispose()
    _print_summary(report, url)
    _print_errors(report, show_errors)
