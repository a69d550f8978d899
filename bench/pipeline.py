"""End-to-end benchmark: ``process-batch`` on a generated batch against bare Tesseract.

    python -m bench.pipeline [--pages 60] [--seed 20261127] [--workers 2] [--keep DIR]
                             [--task-runner thread|process]

Generates a district (:mod:`synth.district`), renders at least ``--pages`` scanned pages of
register tables and forms (clean and mildly degraded, every scan format) into one batch, and
imports the district's population. Then, in this one run:

- **baseline**: every page of the batch as the pipeline loads it, written to PNG with its DPI
  (not timed), read by bare ``tesseract PAGE - -l vie`` one after the other with
  ``OMP_THREAD_LIMIT=1``; the sum of those times, divided by the worker count, is what OCR
  alone would cost with the workers side by side. It is measured twice, just before and just
  after the pipeline, and the mean is used: on a shared machine the neighbours' load drifts,
  and both sides should see the same;
- **civreg**: the ``process-batch`` flow on the batch (ingest, OCR of every page, normalize,
  match, export, sync) with ``--workers`` pages read side by side, on Prefect's ephemeral
  server (started beforehand and timed apart: a one-off cost per process, not per batch).

Target: end-to-end time ≤ 1.25 × (bare OCR time / workers). CPU seconds are reported beside
wall times (the baseline's Tesseract runs; the pipeline's process, its Tesseract runs and the
Prefect server): they do not move with the neighbours' load. The last line printed is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image
from rich.console import Console
from rich.table import Table

SEED = 20261127
TARGET_RATIO = 1.25
BATCH = "bench-pipeline"


def _load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def _process_tree_cpu_seconds() -> float | None:
    """CPU seconds of this process, its live descendants, and the children they reaped.

    Read from ``/proc`` (Linux); ``None`` elsewhere.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime (fields 14-17 of proc(5); the list starts at field 3)
        cpu[pid] = sum(int(value) for value in fields[11:15]) / ticks
    me = os.getpid()
    if me not in cpu:
        return None
    total = 0.0
    for pid, seconds in cpu.items():
        ancestor = pid
        while ancestor not in (me, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == me:
            total += seconds
    return total


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def generate_batch(root: Path, pages: int, seed: int) -> tuple[Path, Path]:
    """Render at least ``pages`` scanned pages into ``root/inbox/BATCH``; (batch, population)."""
    from synth.district import DistrictOptions, generate_district, write_district
    from synth.render.book import load_books, plan_district, render_planned
    from synth.render.spec import RenderOptions

    district_dir = root / "district"
    write_district(
        generate_district(
            DistrictOptions(people=3000, seed=seed, wards=2, first_year=2010, last_year=2020)
        ),
        district_dir,
    )
    options = RenderOptions(
        seed=seed, levels=("clean", "mild"), shapes=("ruled_table", "form"), limit_pages=pages
    )
    batch_dir = root / "inbox" / BATCH
    batch_dir.mkdir(parents=True)
    plan = plan_district(load_books(district_dir), options)
    for _book, files in render_planned(plan, pages):
        for file in files:
            (batch_dir / file.file_name).write_bytes(file.data)
    return batch_dir, district_dir / "population.csv"


def page_images(batch_dir: Path, out: Path) -> list[Path]:
    """Every page of the batch as the pipeline loads it, written to ``out`` as PNG."""
    from civreg.settings import get_settings
    from ocr.ingest import ingest_batch
    from ocr.options import OcrOptions
    from ocr.pages import PageImage, batch_page_sources, load_page

    options = OcrOptions.from_settings(get_settings())
    result = ingest_batch(batch_dir, options, batch_id=BATCH)
    out.mkdir(parents=True, exist_ok=True)
    images = []
    for index, source in enumerate(batch_page_sources(result), start=1):
        page = load_page(source, options)
        if not isinstance(page, PageImage):
            continue  # a text layer needs no OCR: none are rendered here
        path = out / f"page-{index:04d}.png"
        # With its DPI, as the pipeline tells Tesseract; without it Tesseract guesses one.
        Image.fromarray(page.image).save(path, dpi=(page.dpi, page.dpi))
        images.append(path)
    return images


class BareRun:
    """One pass of bare Tesseract over the pages: wall seconds per page, CPU, load around it."""

    def __init__(self, images: list[Path], tesseract: str, language: str) -> None:
        self.load_before = _load_average()
        cpu = _children_cpu_seconds()
        self.seconds = bare_tesseract(images, tesseract, language)
        self.cpu_seconds = _children_cpu_seconds() - cpu
        self.load_after = _load_average()

    @property
    def total(self) -> float:
        return sum(self.seconds)

    def figures(self) -> dict[str, Any]:
        return {
            "seconds_sum": round(self.total, 1),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "load_average_before": [round(x, 2) for x in self.load_before],
            "load_average_after": [round(x, 2) for x in self.load_after],
        }


def bare_tesseract(images: list[Path], tesseract: str, language: str) -> list[float]:
    """Seconds of ``tesseract PAGE - -l LANG`` per page, one page at a time, single-threaded."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    seconds = []
    for image in images:
        start = time.perf_counter()
        subprocess.run(
            [tesseract, str(image), "-", "-l", language],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds.append(time.perf_counter() - start)
    return seconds


class StageClock:
    """Observes a flow's progress reports: when each stage first and last reported."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def update(self, stage: Any, done: int, total: int | None, scope: str) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage.name.lower(), now)
        self.last[stage.name.lower()] = now

    def seconds(self) -> dict[str, float]:
        return {name: round(self.last[name] - start, 1) for name, start in self.first.items()}


def run(
    pages: int,
    seed: int,
    workers: int,
    keep: Path | None,
    console: Console,
    *,
    task_runner: str = "thread",
) -> dict:
    root = keep or Path(tempfile.mkdtemp(prefix="civreg-bench-pipeline-"))
    root.mkdir(parents=True, exist_ok=True)
    for name in list(os.environ):
        if name.startswith("CIVREG_"):
            del os.environ[name]
    os.environ.update(
        CIVREG_VAR_DIR=str(root / "var"),
        CIVREG_OCR_WORKERS=str(workers),
        CIVREG_TASK_RUNNER=task_runner,
        CIVREG_INBOX_DIR=str(root / "inbox"),
    )
    from civreg.environment import apply_run_environment

    apply_run_environment()
    from civreg.db import shared_engine
    from civreg.migrate import upgrade_population
    from civreg.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    try:
        started = time.perf_counter()
        batch_dir, population_csv = generate_batch(root, pages, seed)
        console.print(f"rendered the batch in {time.perf_counter() - started:.0f} s: {batch_dir}")
        images = page_images(batch_dir, root / "baseline-pages")
        console.print(f"{len(images)} pages; bare tesseract on each, one at a time…")
        bare_before = BareRun(images, settings.tesseract_cmd, settings.ocr_language)

        from matching.population_import import import_population

        upgrade_population(settings.resolved_population_url)
        import_population(population_csv, shared_engine(settings.resolved_population_url))

        from prefect import flow

        from flows.batch import run_batch
        from flows.progress import observing
        from flows.runtime import prepare_environment

        prepare_environment()

        @flow(name="bench-warm-up")
        def warm_up() -> None:
            """Starts the ephemeral server, a one-off cost of each process."""

        started = time.perf_counter()
        warm_up()
        startup = time.perf_counter() - started
        console.print(f"Prefect's ephemeral server up in {startup:.1f} s; process-batch…")
        clock = StageClock()
        load_pipeline = _load_average()
        cpu_before = _process_tree_cpu_seconds()
        started = time.perf_counter()
        with observing(clock):
            summary = run_batch(batch_dir)
        end_to_end = time.perf_counter() - started
        cpu_after = _process_tree_cpu_seconds()
        load_after = _load_average()
        console.print("bare tesseract again, for the load after the pipeline…")
        bare_after = BareRun(images, settings.tesseract_cmd, settings.ocr_language)
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)

    bare_total = (bare_before.total + bare_after.total) / 2
    bare_cpu = (bare_before.cpu_seconds + bare_after.cpu_seconds) / 2
    bare_per_worker = bare_total / workers
    ratio = end_to_end / bare_per_worker
    pipeline_cpu = (
        cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    )
    figures: dict[str, Any] = {
        "pages": len(images),
        "pages_read": summary.pages_read,
        "entries": summary.entries,
        "exported_rows": summary.counts.exported,
        "workers": workers,
        "task_runner": task_runner,
        "bare_ocr_seconds_sum": round(bare_total, 1),
        "bare_before": bare_before.figures(),
        "bare_after": bare_after.figures(),
        "bare_ocr_seconds_per_page": round(bare_total / len(images), 2),
        "bare_ocr_seconds_over_workers": round(bare_per_worker, 1),
        "end_to_end_seconds": round(end_to_end, 1),
        "prefect_startup_seconds": round(startup, 1),
        "stage_seconds": clock.seconds(),
        "end_to_end_pages_per_minute": round(60 * len(images) / end_to_end, 1),
        "bare_ocr_pages_per_minute_over_workers": round(60 * len(images) / bare_per_worker, 1),
        "ratio_end_to_end_to_bare_over_workers": round(ratio, 2),
        "bare_ocr_cpu_seconds": round(bare_cpu, 1),
        "pipeline_cpu_seconds": round(pipeline_cpu, 1) if pipeline_cpu is not None else None,
        "ratio_pipeline_cpu_to_bare_cpu": (
            round(pipeline_cpu / bare_cpu, 2) if pipeline_cpu is not None and bare_cpu else None
        ),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
        "load_average_before": [round(x, 2) for x in load_pipeline],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }
    table = Table(
        title=f"process-batch end to end, {len(images)} pages, {workers} workers ({task_runner})"
    )
    table.add_column("")
    table.add_column("seconds", justify="right")
    table.add_column("pages/minute", justify="right")
    table.add_row(
        "bare tesseract -l vie (sum, mean of 2)",
        f"{bare_total:.1f}",
        f"{60 * len(images) / bare_total:.1f}",
    )
    for name, bare in (("before", bare_before), ("after", bare_after)):
        table.add_row(
            f"  measured {name} the pipeline (load {bare.load_before[0]:.1f})",
            f"{bare.total:.1f}",
            "",
        )
    table.add_row(
        f"bare tesseract / {workers} workers",
        f"{bare_per_worker:.1f}",
        f"{figures['bare_ocr_pages_per_minute_over_workers']:.1f}",
    )
    table.add_row(
        "civreg process-batch (end to end)",
        f"{end_to_end:.1f}",
        f"{figures['end_to_end_pages_per_minute']:.1f}",
    )
    for stage, seconds in clock.seconds().items():
        table.add_row(f"  of which stage {stage}", f"{seconds:.1f}", "")
    table.add_row("Prefect ephemeral server start (apart)", f"{startup:.1f}", "")
    table.add_row("CPU: bare tesseract (mean of 2)", f"{bare_cpu:.1f}", "")
    if pipeline_cpu is not None:
        table.add_row(
            "CPU: process-batch (with Tesseract, Prefect server)", f"{pipeline_cpu:.1f}", ""
        )
    console.print(table)
    console.print(
        f"ratio end to end / (bare OCR / workers): {ratio:.2f} (target ≤ {TARGET_RATIO}); "
        f"load average before {load_pipeline[0]:.2f}, after {load_after[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60, help="scanned pages in the batch")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of district and scans")
    parser.add_argument("--workers", type=int, default=2, help="pages read side by side")
    parser.add_argument("--keep", type=Path, default=None, help="work in DIR and keep it")
    parser.add_argument(
        "--task-runner", choices=("thread", "process"), default="thread", help="pages read in"
    )
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    figures = run(
        args.pages, args.seed, args.workers, args.keep, console, task_runner=args.task_runner
    )
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
