"""Benchmark of normalization: throughput on one core, and what becomes of injected discrepancies.

    python -m bench.normalize [--entries 100000] [--seed 20261127] [--district DIR]

Builds raw entries from the books of a synthetic district (``BookEntry.written``, confidence
1.0; generated in memory, or read from ``DIR/books/*.json`` written by ``civreg synth
district``), normalizes them in this process, and reports:

- records per second on one core, from the CPU time of this process (``time.process_time``:
  the build machine is shared, and wall time counts the other jobs' time too), over the whole
  run, for three passes: *cold* with :func:`normalize.normalize_entries` (the batch API: the
  cyclic garbage collector paused, the batch's objects then handed to its oldest generation
  unscanned) and every memo emptied first, the figure the target is for;
  *warm*, the same again with the memos filled by the first pass (a register whose texts were
  all seen); and *entry by entry*, :func:`normalize.normalize_entry` in a plain loop with the
  collector running and the memos emptied (the way the figure was measured before the batch
  API). The unit tables are loaded before any clock starts (once per process, not per record).
  The passes must give equal records. Of each pass's CPU time, the part the kernel spent is
  shown too: mostly page faults for the memory the pass keeps, which varies from machine to
  machine and run to run more than the rest;
- per discrepancy kind the generator injected: the share *repaired* (the normalized value equals
  the truth), *flagged* (not equal, but an issue on that field tells a steward), and for names
  *equivalent* (the family-name equivalence key and the rest of the folded name equal the
  truth's: Huỳnh/Hoàng, Vũ/Võ);
- on fields with no discrepancy, the share equal to the truth, against the baseline of the
  written text taken as it is.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import math
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from civreg.errors import CivregError
from normalize import clear_caches, load_tables
from normalize.names import normalize_name
from normalize.records import (
    NormalizedResult,
    NormalizeOptions,
    normalize_entries,
    normalize_entry,
)
from schemas.enums import PageShape
from schemas.records import Place, RawEntry, RawField
from schemas.values import PartialDate, Provenance
from synth.books import BookEntry, DiscrepancyKind, RegisterBook

SEED = 20261127
ENTRIES_PER_PERSON = 0.40
"""Register entries the generator writes per simulated person (measured: 0.42-0.44)."""
ROWS_PER_PAGE = 20
NAME_FIELDS = frozenset(
    {"full_name", "mother_name", "father_name", "husband_full_name", "wife_full_name"}
)
NOT_NORMALIZATION = frozenset({DiscrepancyKind.ABSENT_FROM_DB})
"""Kinds only matching can see (the person is not in the population DB)."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A raw entry built from a book entry, with the book entry (its truth) beside it."""

    raw: RawEntry
    source: BookEntry


# ---- input ------------------------------------------------------------------------------------


def generate_books(entries: int, seed: int) -> list[RegisterBook]:
    """A district big enough for ``entries`` register entries."""
    from synth.district import DistrictOptions, generate_district

    people = max(50, math.ceil(entries / ENTRIES_PER_PERSON))
    return generate_district(DistrictOptions(people=people, seed=seed)).books


def load_books(district_dir: Path) -> list[RegisterBook]:
    """The books ``civreg synth district`` wrote under ``district_dir/books``."""
    paths = sorted((district_dir / "books").glob("*.json"))
    return [RegisterBook.model_validate_json(p.read_text(encoding="utf-8")) for p in paths]


def to_raw_entry(book: RegisterBook, entry: BookEntry, index: int) -> RawEntry:
    """What a perfect reading of the book's row would give (confidence 1.0, no boxes)."""
    page, row = divmod(index, ROWS_PER_PAGE)
    return RawEntry(
        entry_id=entry.entry_key,
        register_type=book.register_type,
        page_shape=PageShape.BORN_DIGITAL,
        fields={name: RawField(text=text, confidence=1.0) for name, text in entry.written.items()},
        book_ward=book.ward_written,
        book_year=book.year,
        provenance=Provenance(
            batch_id="bench-normalize",
            source_path=f"books/{book.book_id}.json",
            source_sha256=hashlib.sha256(book.book_id.encode()).hexdigest(),
            page_number=page + 1,
            row_index=row + 1,
        ),
    )


def samples_of(books: Iterable[RegisterBook], limit: int | None = None) -> list[Sample]:
    """Raw entries of ``books`` in book order, at most ``limit``."""
    samples: list[Sample] = []
    for book in books:
        for index, entry in enumerate(book.entries):
            if limit is not None and len(samples) >= limit:
                return samples
            samples.append(Sample(to_raw_entry(book, entry, index), entry))
    return samples


# ---- comparing with the truth -----------------------------------------------------------------


def _place_agrees(value: Place, truth: str) -> bool:
    parts = truth.split(", ")
    if len(parts) < 2:
        return False
    return (value.new_ward, value.new_province) == (parts[-2], parts[-1])


def value_agrees(field_name: str, value: Any, truth: str) -> bool:
    """Whether a normalized value is the truth (canonical text of the generator).

    Places are compared on their new ward and province (the truth's last two parts); a blank
    truth agrees with no value.
    """
    if value is None:
        return truth == ""
    if isinstance(value, Place):
        return _place_agrees(value, truth)
    if isinstance(value, PartialDate):
        return value.iso() == truth
    return str(getattr(value, "value", value)) == truth


def names_equivalent(value: str | None, truth: str) -> bool:
    """Same name up to the family-name reading (Huỳnh/Hoàng, Vũ/Võ) and diacritics."""
    parsed, true = normalize_name(value or "").parts, normalize_name(truth).parts
    if parsed is None or true is None:
        return False
    return parsed.key == true.key


def written_agrees(written: str, truth: str) -> bool:
    """The baseline: the written text taken as it is."""
    return written.strip() == truth


# ---- evaluation -------------------------------------------------------------------------------


@dataclass
class KindTally:
    """What became of the discrepancies of one kind."""

    total: int = 0
    repaired: int = 0
    flagged: int = 0  # not repaired, but an issue on the field
    equivalent: int = 0  # names only: neither, but equal by the equivalence key

    def share(self, count: int) -> float:
        return count / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "total": self.total,
            "repaired": round(self.share(self.repaired), 4),
            "flagged": round(self.share(self.flagged), 4),
            "equivalent": round(self.share(self.equivalent), 4),
            "handled": round(self.share(self.repaired + self.flagged + self.equivalent), 4),
        }


@dataclass
class Evaluation:
    """Discrepancy tallies by kind and agreement on clean fields by field."""

    kinds: dict[str, KindTally] = field(default_factory=lambda: defaultdict(KindTally))
    clean_total: Counter[str] = field(default_factory=Counter)
    clean_equal: Counter[str] = field(default_factory=Counter)
    clean_written_equal: Counter[str] = field(default_factory=Counter)
    blocked: int = 0
    records: int = 0

    @property
    def clean_agreement(self) -> float:
        total = sum(self.clean_total.values())
        return sum(self.clean_equal.values()) / total if total else 0.0

    @property
    def clean_written_agreement(self) -> float:
        total = sum(self.clean_total.values())
        return sum(self.clean_written_equal.values()) / total if total else 0.0


def evaluate(samples: list[Sample], results: list[NormalizedResult]) -> Evaluation:
    """Compare every normalized record with its book entry's truth."""
    evaluation = Evaluation()
    for sample, result in zip(samples, results, strict=True):
        record = result.record
        evaluation.records += 1
        evaluation.blocked += not result.can_auto_link
        issue_fields = {issue.field for issue in record.issues}
        source = sample.source
        touched = {d.field for d in source.discrepancies}
        for discrepancy in source.discrepancies:
            tally = evaluation.kinds[discrepancy.kind.value]
            tally.total += 1
            name = discrepancy.field
            if name == "*":
                if "*" in issue_fields or "registration_date" in issue_fields:
                    tally.flagged += 1
                continue
            value = getattr(record, name).value
            if value_agrees(name, value, source.truth[name]):
                tally.repaired += 1
            elif name in issue_fields:
                tally.flagged += 1
            elif name in NAME_FIELDS and names_equivalent(value, source.truth[name]):
                tally.equivalent += 1
        for name, truth in source.truth.items():
            if name in touched:
                continue
            evaluation.clean_total[name] += 1
            evaluation.clean_equal[name] += value_agrees(name, getattr(record, name).value, truth)
            evaluation.clean_written_equal[name] += written_agrees(source.written[name], truth)
    return evaluation


# ---- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One timed pass over the entries."""

    records: int
    wall_seconds: float
    cpu_seconds: float
    system_seconds: float  # of the CPU time, the kernel's: mostly page faults for new memory

    @property
    def per_second_wall(self) -> float:
        return self.records / self.wall_seconds

    @property
    def per_second_cpu(self) -> float:
        return self.records / self.cpu_seconds

    @property
    def cpu_us_per_record(self) -> float:
        return self.cpu_seconds * 1e6 / self.records


@dataclass(frozen=True)
class Timings:
    """The three passes (see the module's docstring)."""

    cold: Timing
    warm: Timing
    entry_by_entry: Timing


def _timed(run: Callable[[], list[NormalizedResult]]) -> tuple[Timing, list[NormalizedResult]]:
    system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    wall, cpu = time.perf_counter(), time.process_time()
    results = run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    system = resource.getrusage(resource.RUSAGE_SELF).ru_stime - system
    return Timing(len(results), wall, cpu, system), results


def time_normalization(
    samples: list[Sample], options: NormalizeOptions
) -> tuple[Timings, list[NormalizedResult]]:
    """Time the three passes; return their timings and the cold pass's results.

    The inputs are kept out of the garbage collector's sight (built before the clock, they are
    not the normalizer's work): frozen for the entry-by-entry pass, whose collector runs; in
    the oldest generation, which a paused collector never scans, for the batch passes (a frozen
    heap would stop :func:`normalize.normalize_entries` from handing its objects to that
    generation unscanned). Each pass's results are kept until the end, as a batch's are.
    """
    load_tables()
    entries = [s.raw for s in samples]
    gc.collect()
    gc.freeze()
    try:
        clear_caches()
        entry_by_entry, loop_results = _timed(
            lambda: [normalize_entry(entry, options) for entry in entries]
        )
    finally:
        gc.unfreeze()
    clear_caches()
    cold, results = _timed(lambda: normalize_entries(entries, options))
    warm, warm_results = _timed(lambda: normalize_entries(entries, options))
    differing = sum(
        a.record != b.record or a.record != c.record
        for a, b, c in zip(results, loop_results, warm_results, strict=True)
    )
    if differing:
        raise CivregError(
            f"bench/normalize.py: {differing} records differ between the timed passes"
        )
    return Timings(cold, warm, entry_by_entry), results


def python_speed() -> float:
    """Microseconds of CPU for a 1,000-step pure-Python loop (best of 200): the machine's pace.

    Records/s scale with it; it was ~20 us on an idle 2024 laptop and ~40 us on the shared
    2-core build machine while other jobs ran.
    """
    best = math.inf
    for _ in range(200):
        started = time.process_time()
        total = 0
        for step in range(1000):
            total += step
        best = min(best, time.process_time() - started)
    return best * 1e6


# ---- report -----------------------------------------------------------------------------------


def report(
    timings: Timings, evaluation: Evaluation, console: Console, loop_us: float
) -> dict[str, Any]:
    """Print the tables; return the figures."""
    console.print(f"machine pace: a 1,000-step Python loop takes {loop_us:.1f} us of CPU")
    speed = Table(
        title="throughput on one core (CPU time of this process; target 20,000/s)",
        caption="cold: memos emptied first; batch: normalize_entries (collector paused); "
        "entry by entry: normalize_entry in a loop, collector running",
    )
    for column in ("pass", "records", "CPU s", "system s", "wall s", "us/rec", "records/s"):
        speed.add_column(column, justify="left" if column == "pass" else "right")
    for label, timing in (
        ("[bold]cold, batch", timings.cold),
        ("warm, batch", timings.warm),
        ("cold, entry by entry", timings.entry_by_entry),
    ):
        speed.add_row(
            label,
            f"{timing.records:,}",
            f"{timing.cpu_seconds:.2f}",
            f"{timing.system_seconds:.2f}",
            f"{timing.wall_seconds:.2f}",
            f"{timing.cpu_us_per_record:.1f}",
            f"{timing.per_second_cpu:,.0f}",
        )
    console.print(speed)
    timing = timings.cold
    ratio = timings.entry_by_entry.cpu_seconds / timing.cpu_seconds
    console.print(f"cold batch: {ratio:.2f}x the records/s of entry by entry (same run)")
    table = Table(title="injected discrepancies: what normalization made of them")
    for column in ("kind", "injected", "repaired", "flagged", "equivalent", "handled"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    kinds: dict[str, Any] = {}
    for kind in DiscrepancyKind:
        tally = evaluation.kinds.get(kind.value, KindTally())
        figures = tally.as_dict()
        kinds[kind.value] = figures
        note = " (matching's to see)" if kind in NOT_NORMALIZATION else ""
        table.add_row(
            kind.value + note,
            f"{tally.total:,}",
            f"{figures['repaired']:.1%}",
            f"{figures['flagged']:.1%}",
            f"{figures['equivalent']:.1%}" if tally.equivalent else "",
            f"{figures['handled']:.1%}",
        )
    console.print(table)

    clean = Table(title="fields without a discrepancy: equal to the truth")
    for column in ("field", "fields", "written as is", "normalized"):
        clean.add_column(column, justify="left" if column == "field" else "right")
    for name in sorted(evaluation.clean_total):
        total = evaluation.clean_total[name]
        clean.add_row(
            name,
            f"{total:,}",
            f"{evaluation.clean_written_equal[name] / total:.1%}",
            f"{evaluation.clean_equal[name] / total:.1%}",
        )
    clean.add_row(
        "[bold]all",
        f"{sum(evaluation.clean_total.values()):,}",
        f"{evaluation.clean_written_agreement:.1%}",
        f"[bold]{evaluation.clean_agreement:.1%}",
    )
    console.print(clean)
    console.print(
        f"records that need a steward (an error issue): {evaluation.blocked:,} of "
        f"{evaluation.records:,} ({evaluation.blocked / max(evaluation.records, 1):.1%})"
    )
    return {
        "benchmark": "normalize",
        "records": timing.records,
        "wall_seconds": round(timing.wall_seconds, 3),
        "cpu_seconds": round(timing.cpu_seconds, 3),
        "cpu_system_seconds": round(timing.system_seconds, 3),
        "cold_batch_vs_entry_by_entry": round(ratio, 2),
        "records_per_second_wall": round(timing.per_second_wall),
        "records_per_second_cpu": round(timing.per_second_cpu),
        "records_per_second_cpu_warm": round(timings.warm.per_second_cpu),
        "records_per_second_cpu_entry_by_entry": round(timings.entry_by_entry.per_second_cpu),
        "cpu_us_per_record": round(timing.cpu_us_per_record, 1),
        "cpu_us_per_record_warm": round(timings.warm.cpu_us_per_record, 1),
        "cpu_us_per_record_entry_by_entry": round(timings.entry_by_entry.cpu_us_per_record, 1),
        "timing": "CPU time (time.process_time) of the normalize calls; cold: memos emptied first",
        "target_records_per_second": 20_000,
        "python_loop_1000_us": round(loop_us, 1),
        "clean_field_agreement": round(evaluation.clean_agreement, 4),
        "clean_field_agreement_written_baseline": round(evaluation.clean_written_agreement, 4),
        "records_blocked_share": round(evaluation.blocked / max(evaluation.records, 1), 4),
        "discrepancies": kinds,
    }


def max_book_date(books: list[RegisterBook]) -> dt.date:
    """A "today" after every registration of the books, fixed so that runs compare."""
    last_year = max((b.year for b in books), default=dt.date.today().year)
    return dt.date(last_year + 1, 12, 31)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="raw entries to normalize")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the generated district")
    parser.add_argument(
        "--district", type=Path, default=None, help="read books from DIR/books instead"
    )
    args = parser.parse_args(argv)
    console = Console(stderr=False)

    started = time.perf_counter()
    books = load_books(args.district) if args.district else generate_books(args.entries, args.seed)
    samples = samples_of(books, args.entries)
    console.print(
        f"{len(samples):,} raw entries from {len(books):,} books "
        f"({time.perf_counter() - started:.1f} s to build)"
    )
    options = NormalizeOptions(today=max_book_date(books))
    timings, results = time_normalization(samples, options)
    figures = report(timings, evaluate(samples, results), console, python_speed())
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
