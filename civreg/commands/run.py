"""``civreg run``: run the flows in this process, on Prefect's ephemeral local server."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Run the pipeline's flows here and now (ephemeral Prefect server).")


def counts_table(title: str, rows: list[tuple[str, int]]) -> Table:
    """A two-column table of counts."""
    table = Table(title=title)
    table.add_column("stage")
    table.add_column("count", justify="right")
    for stage, count in rows:
        table.add_row(stage, f"{count:,}")
    return table


@app.command("batch")
def batch(
    path: Path = typer.Argument(..., exists=True, file_okay=False, help="The batch folder."),
    batch_id: str | None = typer.Option(None, "--batch-id", help="Default: the folder's name."),
) -> None:
    """Process one batch: ingest, OCR, normalize, match, export, sync."""
    from flows.batch import run_batch

    summary = run_batch(path, batch_id)
    counts = summary.counts
    Console().print(
        counts_table(
            f"batch {summary.batch_id}",
            [
                ("files read", summary.documents),
                ("files quarantined", summary.quarantined),
                ("files skipped (already processed)", summary.duplicates),
                ("pages read", summary.pages_read),
                ("pages not understood", summary.pages_not_understood),
                ("entries", summary.entries),
                ("linked automatically (all batches)", counts.auto_linked),
                ("waiting for stewards (all batches)", counts.to_review),
                ("new people (all batches)", counts.new_person),
                ("exported rows (all batches)", counts.exported),
            ],
        )
    )
    if summary.quarantined:
        Console(stderr=True).print(
            f"[yellow]{summary.quarantined} file(s) quarantined: see `civreg status` "
            "and the quarantine folder for the reasons[/]"
        )


@app.command("nightly")
def nightly() -> None:
    """Run the nightly sync once now: pending batches, re-link, export, push the outbox."""
    from flows.nightly import run_nightly

    summary = run_nightly()
    Console().print(
        counts_table(
            "nightly sync",
            [(f"{stage} · {what}", count) for stage, what, count in summary.counts.table_rows()],
        )
    )
