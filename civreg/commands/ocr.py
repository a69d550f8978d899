"""``civreg ocr``: read a scan or a batch folder into raw register entries.

Writes, under ``--out``:

- ``<file>/pNNN.json``: each page's :class:`~ocr.extract.PageExtraction` (its entries, or why
  its layout was not understood, and how it was read);
- ``<file>/pNNN.png``: the page with its cells and fields drawn (see :mod:`ocr.overlay`);
- ``entries.jsonl``: every raw entry, one JSON object a line;
- ``summary.json``: documents, pages, quarantined files with their reasons, pages not read;
- ``quarantine/<batch>/``: copies of the files that could not be read, with the reason beside.

The exit code is 0 when every file was read, else 4 (input file) with a summary of what was not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civreg.errors import CivregError, ExitCode, InputFileError
from civreg.settings import get_settings
from ocr.engine import TesseractEngine
from ocr.errors import UnreadableFileError
from ocr.extract import PageExtraction, extract_page
from ocr.ingest import (
    IngestedDocument,
    IngestResult,
    QuarantinedFile,
    file_sha256,
    ingest_batch,
    quarantine_file,
    validate_file,
)
from ocr.options import OcrOptions
from ocr.overlay import write_overlay
from ocr.pages import PageSource, TextLayerPage, batch_page_sources, load_page
from ocr.pdf import render_page
from schemas.values import PDF_BBOX_DPI

app = typer.Typer(
    help="Read scans into raw register entries.",
    context_settings={"allow_interspersed_args": True},  # civreg ocr PATH --out DIR
)
console = Console(soft_wrap=True)  # lines name paths: never wrap them
err_console = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True)
class PageOutcome:
    """One page done: its extraction, or the error that stopped it."""

    source: PageSource
    extraction: PageExtraction | None
    error: str | None = None


@app.callback(invoke_without_command=True)
def ocr(
    path: Path = typer.Argument(..., help="A scan (PDF, TIFF, PNG, JPEG) or a batch folder."),
    out: Path = typer.Option(..., "--out", help="Output folder (created if missing)."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Pages read side by side (default: CIVREG_OCR_WORKERS)."
    ),
    batch_id: str | None = typer.Option(
        None, "--batch-id", help="Batch name in provenance (default: the folder's name)."
    ),
) -> None:
    """Read every page into raw entries, with an overlay image per page."""
    options = OcrOptions.from_settings(get_settings(), quarantine_dir=out / "quarantine")
    workers = workers or options.workers
    result = ingest_path(path, options, batch_id)
    sources = batch_page_sources(result)
    out.mkdir(parents=True, exist_ok=True)
    if sources:
        TesseractEngine(options)  # fail now, with an install hint, if Tesseract is missing
    outcomes = []
    with Progress(
        TextColumn("reading pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("pages", total=len(sources))
        for outcome in run_pages(sources, options, result.batch_id, out, workers):
            outcomes.append(outcome)
            progress.advance(task)
    write_entries(outcomes, out)
    problems = write_summary(result, outcomes, out)
    print_summary(result, outcomes, out)
    if problems:
        raise typer.Exit(int(ExitCode.INPUT_FILE))


def ingest_path(path: Path, options: OcrOptions, batch_id: str | None) -> IngestResult:
    """A batch folder ingested, or a single file ingested as a batch of one."""
    if path.is_dir():
        return ingest_batch(path, options, batch_id=batch_id)
    if not path.is_file():
        raise InputFileError(str(path), "no such file or folder")
    batch = batch_id or path.parent.name or "batch"
    relative = path.name
    digest, size = file_sha256(path)
    try:
        kind, pages = validate_file(path, relative, options)
    except UnreadableFileError as err:
        quarantined = quarantine_file(path, relative, digest, err, batch_id=batch, options=options)
        return IngestResult(batch_id=batch, batch_dir=path.parent, quarantined=(quarantined,))
    document = IngestedDocument(
        relative_path=relative, sha256=digest, kind=kind, page_count=pages, size_bytes=size
    )
    return IngestResult(batch_id=batch, batch_dir=path.parent, documents=(document,))


def run_pages(
    sources: list[PageSource], options: OcrOptions, batch_id: str, out: Path, workers: int
) -> Iterator[PageOutcome]:
    """Each page read, its JSON and overlay written, in page order; a page that fails is
    reported and the others go on."""
    jobs = [(source, options, batch_id, out) for source in sources]
    if workers <= 1 or len(jobs) <= 1:
        yield from (read_and_write(*job) for job in jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(read_and_write, *zip(*jobs, strict=True))


_ENGINES: dict[OcrOptions, TesseractEngine] = {}


def read_and_write(
    source: PageSource, options: OcrOptions, batch_id: str, out: Path
) -> PageOutcome:
    """Extract one page and write its JSON and overlay (runs in a worker process)."""
    os.environ["OMP_THREAD_LIMIT"] = str(options.tesseract_threads)
    try:
        page = load_page(source, options)
        engine = None
        if not isinstance(page, TextLayerPage):
            engine = _ENGINES.setdefault(options, TesseractEngine(options))
        extraction = extract_page(page, options, engine, batch_id=batch_id)
        folder = out / source.relative_path
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"p{source.page_number:03d}"
        (folder / f"{stem}.json").write_text(extraction.model_dump_json(indent=2), "utf-8")
        if isinstance(page, TextLayerPage):
            image = render_page(source.path, source.relative_path, source.page_number, PDF_BBOX_DPI)
        else:
            image = page.image
        write_overlay(image, extraction, folder / f"{stem}.png")
    except CivregError as err:
        return PageOutcome(source, None, str(err))
    return PageOutcome(source, extraction)


def write_entries(outcomes: list[PageOutcome], out: Path) -> Path:
    """``entries.jsonl``: every raw entry of the run, in page order."""
    path = out / "entries.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for outcome in outcomes:
            for entry in outcome.extraction.entries if outcome.extraction else ():
                handle.write(entry.model_dump_json() + "\n")
    return path


def write_summary(result: IngestResult, outcomes: list[PageOutcome], out: Path) -> int:
    """``summary.json``; returns how many files or pages need a person's attention."""
    not_read = [
        {
            "source_path": o.source.relative_path,
            "page_number": o.source.page_number,
            "reason": o.error or (o.extraction.not_understood if o.extraction else None),
        }
        for o in outcomes
        if o.error or (o.extraction and not o.extraction.understood)
    ]
    summary = {
        "batch_id": result.batch_id,
        "documents": len(result.documents),
        "pages": len(outcomes),
        "entries": sum(len(o.extraction.entries) for o in outcomes if o.extraction),
        "quarantined": [q.model_dump(mode="json") for q in result.quarantined],
        "duplicates": [d.model_dump(mode="json") for d in result.duplicates],
        "pages_not_read": not_read,
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    return len(result.quarantined) + len(not_read)


def print_summary(result: IngestResult, outcomes: list[PageOutcome], out: Path) -> None:
    """The run in a few lines; quarantined files and unread pages listed with their reasons."""
    entries = sum(len(o.extraction.entries) for o in outcomes if o.extraction)
    if result.quarantined:
        err_console.print(_quarantine_table(result.quarantined))
    unread = [o for o in outcomes if o.error or (o.extraction and not o.extraction.understood)]
    for outcome in unread:
        reason = outcome.error or (outcome.extraction.not_understood if outcome.extraction else "")
        err_console.print(
            f"[yellow]page not read:[/] {outcome.source.relative_path} "
            f"page {outcome.source.page_number}: {reason}",
            highlight=False,
        )
    console.print(
        f"{len(result.documents)} files, {len(outcomes)} pages, {entries} entries "
        f"written to {out}; {len(result.quarantined)} quarantined, "
        f"{len(result.duplicates)} duplicates skipped, {len(unread)} pages not read",
        highlight=False,
    )


def _quarantine_table(quarantined: tuple[QuarantinedFile, ...]) -> Table:
    table = Table(title="quarantined files")
    table.add_column("file")
    table.add_column("reason")
    table.add_column("detail")
    for item in quarantined:
        table.add_row(item.relative_path, str(item.reason), item.detail)
    return table
