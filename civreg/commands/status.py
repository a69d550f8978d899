"""``civreg status``: what the work store holds, stage by stage, in one table."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from civreg.db import make_engine
from civreg.errors import CivregError
from civreg.migrate import safe_url
from civreg.settings import get_settings
from store import stage_counts

app = typer.Typer(
    help="Counts per stage: pages, entries, links, review queue, export, outbox.",
    invoke_without_command=True,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages name URLs: never wrap them


@app.callback()
def status(
    store_url: str | None = typer.Option(
        None, "--store-url", help="Work store URL (default: CIVREG_STORE_URL or var/civreg.db)."
    ),
) -> None:
    """Show how many batches, pages, entries and records each stage has, and the outbox."""
    url = store_url or get_settings().resolved_store_url
    engine = make_engine(url)
    try:
        counts = stage_counts(engine)
    except CivregError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        err_console.print("(is the work store created? run: civreg db upgrade)")
        raise typer.Exit(int(exc.exit_code)) from exc
    finally:
        engine.dispose()
    table = Table(title=f"work store {safe_url(url)}")
    table.add_column("stage")
    table.add_column("what")
    table.add_column("count", justify="right")
    previous_stage = None
    for stage, what, count in counts.table_rows():
        table.add_row(stage if stage != previous_stage else "", what, f"{count:,}")
        previous_stage = stage
    console.print(table)
