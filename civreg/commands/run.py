"""``civreg run``: run the flows in this process, on Prefect's ephemeral local server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from flows.progress import Stage

app = typer.Typer(help="Run the pipeline's flows here and now (ephemeral Prefect server).")


class StageBars:
    """One rich progress bar per stage (and batch), fed by the flows' progress reports."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.bars: dict[tuple[str, str], TaskID] = {}

    def update(self, stage: Stage, done: int, total: int | None, scope: str) -> None:
        key = (stage.value, scope)
        if key not in self.bars:
            label = f"{stage.value} ({scope})" if scope else stage.value
            self.bars[key] = self.progress.add_task(label, total=total)
        self.progress.update(self.bars[key], completed=done, total=total)


@contextmanager
def progress_bars() -> Iterator[None]:
    """Show the progress of the flows run inside this block as bars on stderr."""
    from flows.progress import observing
    from flows.runtime import quiet_prefect_shutdown

    with (
        Progress(
            TextColumn("{task.description:<36}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        ) as progress,
        observing(StageBars(progress)),
    ):
        yield
    quiet_prefect_shutdown()  # the flows are done: the summary printed next stays last


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

    with progress_bars():
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

    with progress_bars():
        summary = run_nightly()
    Console().print(
        counts_table(
            "nightly sync",
            [(f"{stage} · {what}", count) for stage, what, count in summary.counts.table_rows()],
        )
    )
