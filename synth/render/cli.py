"""The wiring behind ``civreg synth scans`` and ``civreg synth gallery``, with a progress bar.

The typer commands in :mod:`civreg.commands.synth` parse options and call these functions.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civreg.errors import DataValidationError
from synth.render.book import load_books, plan_district, render_planned, write_rendered
from synth.render.gallery import write_gallery
from synth.render.spec import LevelName, PageShapeName, RenderOptions


@dataclass
class ScansReport:
    """What a run wrote: counts by shape and level, and how long it took."""

    files: int = 0
    pages: int = 0
    pages_by_kind: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def parse_choices(text: str, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Split a comma list and check every item against ``allowed``."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    unknown = [item for item in items if item not in allowed]
    if unknown or not items:
        raise DataValidationError(
            f"{option}: unknown value(s) {', '.join(unknown) or '(none given)'}",
            hint=f"choose from {', '.join(allowed)}",
        )
    return items


def scan_options(seed: int, levels: str, shapes: str, limit_pages: int | None) -> RenderOptions:
    """Render options from the command line's text values."""
    return RenderOptions(
        seed=seed,
        levels=parse_choices(levels, get_args(LevelName), "--levels"),  # type: ignore[arg-type]
        shapes=parse_choices(shapes, get_args(PageShapeName), "--shapes"),  # type: ignore[arg-type]
        limit_pages=limit_pages,
    )


def run_scans(district: Path, out: Path, options: RenderOptions, console: Console) -> ScansReport:
    """Render every book of ``district`` into ``out``, one batch folder per book."""
    started = time.perf_counter()
    plan = plan_district(load_books(district), options)
    report = ScansReport()
    with Progress(
        TextColumn("rendering {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("scans", total=len(plan))
        for book, files in render_planned(plan, options.limit_pages):
            write_rendered(files, out, batch_name=book.book_id)
            report.files += len(files)
            for file in files:
                for page in file.truth.pages:
                    report.pages += 1
                    report.pages_by_kind[f"{page.page_shape}/{page.degradation}"] += 1
            progress.advance(task)
        progress.update(task, completed=len(plan))
    report.seconds = time.perf_counter() - started
    return report


def summary_table(report: ScansReport, out: Path) -> Table:
    """Pages written by shape and degradation level (the caption names the folder)."""
    table = Table(title=f"{report.files} files, {report.pages} pages in {report.seconds:.0f} s")
    table.add_column("page shape / level")
    table.add_column("pages", justify="right")
    for kind, count in sorted(report.pages_by_kind.items()):
        table.add_row(kind, str(count))
    table.caption = f"scans in {out / 'scans'}, ground truth in {out / 'truth'}"
    return table


def run_gallery(out: Path, console: Console) -> Path:
    """Render the gallery with a spinner; returns the contact sheet's path."""
    with console.status("rendering one page of every shape and degradation level"):
        return write_gallery(out)
