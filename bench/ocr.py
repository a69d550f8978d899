"""OCR benchmark: civreg's extraction against bare Tesseract, on generated scans with ground truth.

    python -m bench.ocr [--per-combo 4] [--seed 20261127] [--workers 2] [--keep DIR]

Generates a district (:mod:`synth.district`), renders ``--per-combo`` pages of every page shape
and degradation level (:mod:`synth.render`; born-digital pages of the non-clean levels are scans
of the printout, i.e. ruled tables), and reads every page twice with ``--workers`` processes:

- **civreg**: :func:`ocr.extract.extract_page` (preprocessing, grid, layout, recognition,
  post-correction; born-digital PDFs from their text layer);
- **baseline**: whole-page ``tesseract -l vie --psm 3`` on the page as loaded, no preprocessing,
  its words assigned to the *true* cell boxes (born-digital PDFs rendered at 300 DPI first).

Per group of pages (the four levels of scans, and born-digital PDFs) it reports the share of
fields read exactly (NFC, spaces collapsed, blank cells included), the character error rate
(edit distance over truth length), pages per minute of wall time with the workers side by side,
CPU seconds per page (the worker and its Tesseract runs: on a shared machine the neighbours'
load moves wall time between the two runs, not CPU time), and the ratios to the baseline. The
last line printed is one JSON object with the figures and which targets they meet.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein
from rich.console import Console
from rich.table import Table

from civreg.errors import CivregError
from ocr.engine import TesseractEngine, Word, assign_words_to_cells, join_text
from ocr.extract import PageExtraction, extract_page
from ocr.ingest import ingest_batch
from ocr.options import OcrOptions
from ocr.pages import PageSource, TextLayerPage, batch_page_sources, load_page
from ocr.pdf import render_page
from schemas.records import RawEntry
from schemas.values import PDF_BBOX_DPI, BBox
from synth.books import RegisterBook, TruthEntry, TruthFile, TruthPage
from synth.district import DistrictOptions, generate_district
from synth.render import ALL_LEVELS, ALL_SHAPES, PageSpec, RenderOptions, plan_book
from synth.render.book import RenderedFile, render_book, write_rendered

SEED = 20261127
BATCH = "bench"
GROUPS = (*ALL_LEVELS, "born_digital")
TARGETS = {
    "clean_exact": 0.995,
    "degraded_exact": 0.97,
    "degraded_cer": 0.01,
    "born_digital_exact": 1.0,
    "born_digital_speedup_over_ocr": 10.0,
    "speed_ratio_to_baseline": 0.8,
}


# --- the page set ---------------------------------------------------------------------------


def generate_books(seed: int) -> list[RegisterBook]:
    """A small district's books: old and modern eras, all three register types."""
    options = DistrictOptions(people=3000, seed=seed, wards=1, first_year=2008, last_year=2020)
    return generate_district(options).books


def choose_specs(
    books: Sequence[RegisterBook], seed: int, per_combo: int
) -> list[tuple[RegisterBook, PageSpec]]:
    """``per_combo`` one-page files of every (shape, level), register types taking turns."""
    by_type: dict[str, list[RegisterBook]] = defaultdict(list)
    for book in sorted(books, key=lambda b: (-len(b.entries), b.book_id)):
        by_type[book.register_type].append(book)
    turns = [b for group in zip(*by_type.values(), strict=False) for b in group]
    chosen: list[tuple[RegisterBook, PageSpec]] = []
    for combo, (shape, level) in enumerate((s, lv) for s in ALL_SHAPES for lv in ALL_LEVELS):
        options = RenderOptions(
            seed=seed, levels=(level,), shapes=(shape,), table_pages_per_file=(1, 1)
        )
        for index in range(per_combo):
            book = turns[(combo * per_combo + index) % len(turns)]
            spec = plan_book(book, options)[0]
            chosen.append((book, spec.model_copy(update={"max_pages": 1})))
    return chosen


def _render(job: tuple[RegisterBook, PageSpec]) -> list[RenderedFile]:
    return render_book(*job)


def render_pages(
    chosen: Sequence[tuple[RegisterBook, PageSpec]], out: Path, pool: ProcessPoolExecutor
) -> dict[str, TruthFile]:
    """Write the chosen files under ``out/scans/bench`` with their truth; truth by file name."""
    truths: dict[str, TruthFile] = {}
    for files in pool.map(_render, chosen):
        write_rendered(files, out, BATCH)
        truths.update({file.file_name: file.truth for file in files})
    return truths


# --- reading --------------------------------------------------------------------------------


_ENGINE: dict[str, TesseractEngine] = {}


def _options() -> OcrOptions:
    return OcrOptions(quarantine_dir=Path(tempfile.gettempdir()) / "civreg-bench-quarantine")


def _engine() -> TesseractEngine:
    if "engine" not in _ENGINE:
        _ENGINE["engine"] = TesseractEngine(_options())
    return _ENGINE["engine"]


def _warm(_: int) -> int:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _engine()
    return os.getpid()


def read_civreg(source: PageSource) -> PageExtraction | str:
    """One page through the pipeline (in a worker); the error message if it failed."""
    options = _options()
    try:
        page = load_page(source, options)
        engine = None if isinstance(page, TextLayerPage) else _engine()
        return extract_page(page, options, engine, batch_id=BATCH)
    except CivregError as err:
        return f"{source.relative_path} page {source.page_number}: {err}"


def read_baseline(source: PageSource) -> list[Word] | str:
    """One page through bare ``tesseract -l vie --psm 3``, no preprocessing (in a worker)."""
    options = _options()
    try:
        page = load_page(source, options)
        if isinstance(page, TextLayerPage):
            image = render_page(source.path, source.relative_path, source.page_number, PDF_BBOX_DPI)
            dpi = PDF_BBOX_DPI
        else:
            image, dpi = page.image, page.dpi
        return _engine().recognize_page(image, dpi=dpi, psm=3)
    except CivregError as err:
        return f"{source.relative_path} page {source.page_number}: {err}"


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the Tesseract runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(job: tuple[Callable[[PageSource], Any], PageSource]) -> tuple[Any, float]:
    """A reader's output on one page and the CPU seconds it took (in a worker)."""
    reader, source = job
    before = _cpu_seconds()
    output = reader(source)
    return output, _cpu_seconds() - before


# --- scoring --------------------------------------------------------------------------------


@dataclass
class Score:
    """Fields read exactly, character errors, and time, for one group of pages."""

    pages: int = 0
    fields: int = 0
    exact: int = 0
    errors: int = 0
    chars: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    failed: list[str] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, truth: str, got: str) -> None:
        truth, got = _norm(truth), _norm(got)
        self.fields += 1
        self.exact += truth == got
        self.errors += Levenshtein.distance(truth, got)
        self.chars += max(len(truth), 1) if truth or got else 0
        if truth != got and len(self.misses) < 400:
            self.misses.append((name, truth, got))

    @property
    def exact_rate(self) -> float:
        return self.exact / self.fields if self.fields else 0.0

    @property
    def cer(self) -> float:
        return self.errors / self.chars if self.chars else 0.0

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_seconds / self.pages if self.pages else 0.0


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _iou(a: BBox, b: BBox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)


def _match(truth: TruthEntry, entries: Sequence[RawEntry]) -> RawEntry | None:
    """The extracted entry whose box overlaps the true row most."""
    boxed = [e for e in entries if e.provenance.bbox is not None]
    if not boxed:
        return entries[0] if len(entries) == 1 else None
    best = max(boxed, key=lambda e: _iou(e.provenance.bbox, truth.bbox))  # type: ignore[arg-type]
    return best if _iou(best.provenance.bbox, truth.bbox) > 0.3 else None  # type: ignore[arg-type]


def score_civreg(score: Score, page: TruthPage, extraction: PageExtraction | str) -> None:
    """Every true field against the entry read over its row (a failed page reads nothing)."""
    if isinstance(extraction, str):
        score.failed.append(extraction)
        extraction = PageExtraction(
            source_path="", source_sha256="0" * 64, page_number=1, width=0, height=0, dpi=1
        )
    for truth in page.entries:
        entry = _match(truth, extraction.entries)
        for name, value in truth.fields.items():
            got = entry.fields[name].text if entry and name in entry.fields else ""
            score.add(name, value.text, got)


@dataclass(frozen=True)
class _Box:
    box: BBox


def score_baseline(score: Score, page: TruthPage, words: Iterable[Word] | str) -> None:
    """Every true field against the words whose centres fall in its true box."""
    if isinstance(words, str):
        score.failed.append(words)
        words = []
    boxes = {
        (i, name): _Box(value.bbox)
        for i, truth in enumerate(page.entries)
        for name, value in truth.fields.items()
    }
    assigned = assign_words_to_cells(words, boxes.values())
    for (i, name), box in boxes.items():
        score.add(name, page.entries[i].fields[name].text, join_text(assigned[box]))


def group_of(page: TruthPage) -> str:
    return "born_digital" if page.page_shape == "born_digital" else page.degradation


# --- the run --------------------------------------------------------------------------------


def run(per_combo: int, seed: int, workers: int, keep: Path | None, console: Console) -> dict:
    work = keep or Path(tempfile.mkdtemp(prefix="civreg-bench-ocr-"))
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            started = time.perf_counter()
            books = generate_books(seed)
            truths = render_pages(choose_specs(books, seed, per_combo), work, pool)
            console.print(
                f"rendered {sum(len(t.pages) for t in truths.values())} pages from "
                f"{len(books)} books in {time.perf_counter() - started:.0f} s into {work}"
            )
            result = ingest_batch(work / "scans" / BATCH, _options())
            sources = batch_page_sources(result)
            pages = {
                (s.relative_path, s.page_number): truths[s.relative_path].pages[s.page_number - 1]
                for s in sources
            }
            list(pool.map(_warm, range(workers * 2)))
            ours = {group: Score() for group in GROUPS}
            base = {group: Score() for group in GROUPS}
            for group in GROUPS:
                members = [
                    s for s in sources if group_of(pages[(s.relative_path, s.page_number)]) == group
                ]
                if not members:
                    continue
                for label, reader, scores in (
                    ("civreg", read_civreg, ours),
                    ("baseline", read_baseline, base),
                ):
                    console.print(f"{group}: {len(members)} pages, {label}…")
                    started = time.perf_counter()
                    timed = list(pool.map(_timed, [(reader, member) for member in members]))
                    scores[group].seconds = time.perf_counter() - started
                    scores[group].cpu_seconds = sum(cpu for _, cpu in timed)
                    scores[group].pages = len(members)
                    for source, (output, _) in zip(members, timed, strict=True):
                        page = pages[(source.relative_path, source.page_number)]
                        if label == "civreg":
                            score_civreg(scores[group], page, output)
                        else:
                            score_baseline(scores[group], page, output)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return report(ours, base, console)


def _pages_per_minute(scores: Sequence[Score]) -> float:
    seconds = sum(score.seconds for score in scores)
    return 60.0 * sum(score.pages for score in scores) / seconds if seconds else 0.0


def _cpu_per_page(scores: Sequence[Score]) -> float:
    pages = sum(score.pages for score in scores)
    return sum(score.cpu_seconds for score in scores) / pages if pages else 0.0


def targets_met(figures: dict[str, Any]) -> dict[str, bool | None]:
    """Each target of :data:`TARGETS` against the figures (``None``: its group was not run).

    Speed is judged on wall-clock pages per minute, as the target is stated; the CPU-time
    ratios are given beside it (``*_cpu``) because on a shared machine wall time also measures
    the neighbours' load, which differs between the two runs.
    """
    groups = figures["groups"]

    def group(name: str, key: str) -> float | None:
        return groups[name][key] if name in groups else None

    def at_least(value: float | None, target: float) -> bool | None:
        return None if value is None else value >= target

    cer = group("degraded", "cer")
    digital, speed = "born_digital_speedup_over_ocr", "speed_ratio_to_baseline"
    return {
        "clean_exact": at_least(group("clean", "exact"), TARGETS["clean_exact"]),
        "degraded_exact": at_least(group("degraded", "exact"), TARGETS["degraded_exact"]),
        "degraded_cer": None if cer is None else cer <= TARGETS["degraded_cer"],
        "born_digital_exact": at_least(
            group("born_digital", "exact"), TARGETS["born_digital_exact"]
        ),
        digital: at_least(figures[digital], TARGETS[digital]),
        f"{digital}_cpu": at_least(figures["born_digital_cpu_speedup_over_ocr"], TARGETS[digital]),
        speed: at_least(figures["scans_speed_ratio"], TARGETS[speed]),
        f"{speed}_cpu": at_least(figures["scans_cpu_speed_ratio"], TARGETS[speed]),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def report(ours: dict[str, Score], base: dict[str, Score], console: Console) -> dict[str, Any]:
    table = Table(title="OCR: civreg vs bare tesseract -l vie --psm 3 (words to true cells)")
    for column in (
        "pages",
        "fields",
        "exact",
        "baseline",
        "ratio",
        "CER",
        "baseline CER",
        "pages/min",
        "baseline p/min",
        "speed ratio",
        "CPU s/page",
        "baseline CPU",
    ):
        table.add_column(column, justify="right")
    table.add_column("group", justify="left")
    figures: dict[str, Any] = {"benchmark": "ocr", "groups": {}}
    for group in GROUPS:
        mine, theirs = ours[group], base[group]
        if not mine.pages:
            continue
        row = {
            "pages": mine.pages,
            "fields": mine.fields,
            "exact": round(mine.exact_rate, 4),
            "cer": round(mine.cer, 4),
            "pages_per_minute": round(mine.pages_per_minute, 2),
            "baseline_exact": round(theirs.exact_rate, 4),
            "baseline_cer": round(theirs.cer, 4),
            "baseline_pages_per_minute": round(theirs.pages_per_minute, 2),
            "pages_failed": len(mine.failed),
            "baseline_pages_failed": len(theirs.failed),
            "exact_ratio": _ratio(mine.exact_rate, theirs.exact_rate),
            "speed_ratio": _ratio(mine.pages_per_minute, theirs.pages_per_minute),
            "cpu_seconds_per_page": round(mine.cpu_per_page, 2),
            "baseline_cpu_seconds_per_page": round(theirs.cpu_per_page, 2),
            "cpu_speed_ratio": _ratio(theirs.cpu_per_page, mine.cpu_per_page),
        }
        figures["groups"][group] = row
        table.add_row(
            str(mine.pages),
            str(mine.fields),
            f"{mine.exact_rate:.2%}",
            f"{theirs.exact_rate:.2%}",
            f"{row['exact_ratio'] or 0:.2f}",
            f"{mine.cer:.2%}",
            f"{theirs.cer:.2%}",
            f"{mine.pages_per_minute:.1f}",
            f"{theirs.pages_per_minute:.1f}",
            f"{row['speed_ratio'] or 0:.2f}",
            f"{mine.cpu_per_page:.1f}",
            f"{theirs.cpu_per_page:.1f}",
            group,
        )
    console.print(table)
    scans = [g for g in ALL_LEVELS if ours[g].pages]
    scan_ppm = _pages_per_minute([ours[g] for g in scans])
    base_ppm = _pages_per_minute([base[g] for g in scans])
    figures["scans_pages_per_minute"] = round(scan_ppm, 2)
    figures["baseline_scans_pages_per_minute"] = round(base_ppm, 2)
    figures["scans_speed_ratio"] = _ratio(scan_ppm, base_ppm)
    scan_cpu = _cpu_per_page([ours[g] for g in scans])
    base_cpu = _cpu_per_page([base[g] for g in scans])
    figures["scans_cpu_seconds_per_page"] = round(scan_cpu, 2)
    figures["baseline_scans_cpu_seconds_per_page"] = round(base_cpu, 2)
    figures["scans_cpu_speed_ratio"] = _ratio(base_cpu, scan_cpu)
    digital = ours["born_digital"]
    figures["born_digital_speedup_over_ocr"] = _ratio(digital.pages_per_minute, scan_ppm)
    figures["born_digital_cpu_speedup_over_ocr"] = _ratio(scan_cpu, digital.cpu_per_page)
    figures["targets"] = TARGETS
    figures["targets_met"] = targets_met(figures)
    for group in GROUPS:
        for failure in ours[group].failed:
            console.print(f"  [red]{group}: failed: {failure}[/]", highlight=False)
        for name, truth, got in ours[group].misses[:8]:
            console.print(f"  [dim]{group} {name}: {truth!r} read {got!r}[/]", highlight=False)
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-combo", type=int, default=4, help="pages per shape and level")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of district and scans")
    parser.add_argument("--workers", type=int, default=2, help="processes side by side")
    parser.add_argument("--keep", type=Path, default=None, help="render into DIR and keep it")
    args = parser.parse_args(argv)
    console = Console(stderr=True, width=200)  # the whole table, even when piped to a file
    figures = run(args.per_combo, args.seed, args.workers, args.keep, console)
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
