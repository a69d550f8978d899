"""Benchmark of extract issuance: extracts per minute on 2 cores, and where the time goes.

    python -m bench.certificates [--records 200] [--workers 2] [--sample 30] [--seed 20261127]

Builds a SQLite work store (in a temporary folder) holding ``2 × records`` linked birth records
with full Vietnamese facts (no OCR: records are saved as the pipeline would, then auto-linked),
and a development ward key. Then, in this same run:

- *baseline*: one process issues the first ``records`` extracts (:func:`issue_pending`);
- *parallel*: ``workers`` processes issue the other ``records`` (each its share of the ids);
- *phases* on one core, over ``sample`` records: computing the facts from the store, rendering
  the PDF (reportlab, with the QR code), signing it (pyHanko PAdES + the QR payload), and
  verifying it (signature, QR read back from the rendered page, facts, store).

Throughput is wall time (issuance writes files and the store: wall time is what a clerk waits);
phases are median CPU milliseconds per extract (``time.process_time``: the machine is shared,
so wall time also counts other jobs), and the CPU time of the issuing workers gives the
throughput the cores would reach if they were ours alone. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import median

from rich.console import Console
from rich.table import Table

from certificates import IssueContext, create_dev_keys, issue_pending, record_states
from certificates.issue import build_extract, certificate_id_of
from certificates.payload import HASH_BYTES, QrPayload, sign_payload
from certificates.render import ExtractPage, render_extract
from certificates.signing import sign_extract
from certificates.verify import verify_extract
from civreg.db import make_engine
from civreg.migrate import upgrade_store
from civreg.settings import Settings
from ocr.ingest import IngestedDocument, IngestResult
from ocr.sniff import FileKind
from schemas.enums import DecisionKind, PageShape, RegisterType, Sex
from schemas.records import BirthRecord, Place, RawEntry, RawField
from schemas.values import FieldValue, PartialDate, Provenance
from store import (
    DecisionInput,
    DocumentKey,
    PageMeta,
    append_decisions,
    record_ingest,
    save_page_extraction,
    save_records,
)

SEED = 20261127
BATCH_ID = "bench-certificates"
PATH = "khai-sinh/so.pdf"
PER_PAGE = 50
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Thu", "Ngọc", "Minh", "Quang"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hạnh", "Hồng", "Khánh", "Lan", "Nhung", "Thắng", "Yến"]
PLACES = [
    "Bệnh viện Phụ sản Hà Nội, phường Láng, thành phố Hà Nội",
    "Trạm y tế phường Tây Hồ, thành phố Hà Nội",
    "xã Đông Hưng, tỉnh Thái Bình",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def seed_store(url: str, batch_dir: Path, count: int, seed: int) -> list[str]:
    """``count`` auto-linked birth records with full facts; their ids."""
    rng = random.Random(seed)
    sha = hashlib.sha256(b"bench certificates").hexdigest()
    pages = (count + PER_PAGE - 1) // PER_PAGE
    engine = make_engine(url)
    document = IngestedDocument(
        relative_path=PATH, sha256=sha, kind=FileKind.PDF, page_count=pages, size_bytes=1
    )
    record_ingest(
        engine, IngestResult(batch_id=BATCH_ID, batch_dir=batch_dir, documents=(document,))
    )
    records: list[BirthRecord] = []
    decisions: list[DecisionInput] = []
    for page in range(1, pages + 1):
        entries = []
        for row in range(1, min(PER_PAGE, count - (page - 1) * PER_PAGE) + 1):
            entry_id = hashlib.sha256(f"{sha}:{page}:{row}".encode()).hexdigest()
            provenance = Provenance(
                batch_id=BATCH_ID,
                source_path=PATH,
                source_sha256=sha,
                page_number=page,
                row_index=row,
            )
            name = _name(rng)
            entries.append(
                RawEntry(
                    entry_id=entry_id,
                    register_type=RegisterType.BIRTH,
                    page_shape=PageShape.BORN_DIGITAL,
                    fields={"full_name": RawField(text=name)},
                    provenance=provenance,
                )
            )
            born = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12000))
            records.append(
                BirthRecord(
                    record_id=entry_id,
                    ward="Phường Tây Hồ",
                    ward_code="00103",
                    registration_number=FieldValue[int](value=row),
                    registration_date=FieldValue[PartialDate](value=PartialDate(year=born.year)),
                    full_name=FieldValue[str](value=name),
                    date_of_birth=FieldValue[PartialDate](
                        value=PartialDate.parse(born.isoformat())
                    ),
                    sex=FieldValue[Sex](value=rng.choice(list(Sex))),
                    ethnicity=FieldValue[str](value="Kinh"),
                    nationality=FieldValue[str](value="Việt Nam"),
                    place_of_birth=FieldValue[Place](value=Place(written=rng.choice(PLACES))),
                    hometown=FieldValue[Place](value=Place(written=rng.choice(PLACES))),
                    mother_name=FieldValue[str](value=_name(rng)),
                    father_name=FieldValue[str](value=_name(rng)),
                    provenance=provenance,
                )
            )
            decisions.append(
                DecisionInput(
                    record_id=entry_id,
                    kind=DecisionKind.AUTO_LINK,
                    personal_id=f"001{rng.randrange(10**9):09d}",
                    score=12.0,
                )
            )
        save_page_extraction(
            engine, DocumentKey(BATCH_ID, PATH), PageMeta(page_number=page), entries
        )
    save_records(engine, records)
    append_decisions(engine, decisions)
    engine.dispose()
    return [record.record_id for record in records]


def _issue_share(var_dir: str, url: str, record_ids: list[str]) -> tuple[int, float]:
    """One worker: issue its share of the records; how many, and the CPU seconds it took."""
    settings = Settings(var_dir=Path(var_dir), store_url=url)
    engine = make_engine(url)
    try:
        context = IssueContext.from_settings(settings, engine)
        start = time.process_time()
        issued = issue_pending(context, "bench", record_ids=record_ids).issued
        return issued, time.process_time() - start
    finally:
        engine.dispose()


def _timed_issue(var_dir: Path, url: str, shares: list[list[str]]) -> tuple[int, float, float]:
    """Issued count, wall seconds (pool start included) and CPU seconds of the workers."""
    start = time.perf_counter()
    if len(shares) == 1:
        results = [_issue_share(str(var_dir), url, shares[0])]
    else:
        with ProcessPoolExecutor(len(shares)) as pool:
            results = list(
                pool.map(_issue_share, [str(var_dir)] * len(shares), [url] * len(shares), shares)
            )
    wall = time.perf_counter() - start
    return sum(n for n, _ in results), wall, sum(cpu for _, cpu in results)


def _phases(settings: Settings, url: str, record_ids: list[str]) -> dict[str, float]:
    engine = make_engine(url)
    context = IssueContext.from_settings(settings, engine)
    today = dt.date(2026, 11, 27)
    timings: dict[str, list[float]] = {"facts": [], "render": [], "sign": [], "verify": []}
    for record_id in record_ids:
        start = time.process_time()
        facts = record_states(engine, [record_id])[record_id].facts
        assert facts is not None
        timings["facts"].append(time.process_time() - start)
        certificate_id = certificate_id_of(record_id, 99, facts.digest)
        start = time.process_time()
        payload = QrPayload(
            certificate_id,
            record_id,
            facts.register_type,
            facts.ward_code,
            today,
            facts.digest[: HASH_BYTES * 2],
        )
        qr_text = sign_payload(payload, context.keys.private_key)
        pdf = render_extract(
            facts, ExtractPage(certificate_id, today, context.signer_name, qr_text)
        )
        timings["render"].append(time.process_time() - start)
        start = time.process_time()
        signed = sign_extract(pdf, context.keys, facts.ward)
        timings["sign"].append(time.process_time() - start)
        issued = build_extract(context, facts, certificate_id, today)
        start = time.process_time()
        verified = verify_extract(issued, engine, context.keys.certificate)
        timings["verify"].append(time.process_time() - start)
        assert signed and verified.record_id == record_id
    engine.dispose()
    return {name: 1000 * median(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="civreg-bench-certificates-") as folder:
        var_dir = Path(folder) / "var"
        url = f"sqlite:///{var_dir / 'civreg.db'}"
        var_dir.mkdir(parents=True)
        upgrade_store(url)
        settings = Settings(var_dir=var_dir, store_url=url)
        create_dev_keys(
            settings.resolved_signing_key_path, settings.resolved_signing_cert_path, "Phường Tây Hồ"
        )
        ids = seed_store(url, Path(folder) / "inbox", 2 * args.records, args.seed)
        baseline_ids, parallel_ids = ids[: args.records], ids[args.records :]
        phases = _phases(settings, url, baseline_ids[: args.sample])
        one, one_s, one_cpu = _timed_issue(var_dir, url, [baseline_ids])
        shares = [parallel_ids[i :: args.workers] for i in range(args.workers)]
        many, many_s, many_cpu = _timed_issue(var_dir, url, shares)
    per_minute_1 = 60 * one / one_s
    per_minute_n = 60 * many / many_s
    cpu_ms = 1000 * (one_cpu + many_cpu) / (one + many)
    capacity = args.workers * 60_000 / cpu_ms
    table = Table(title=f"extract issuance, {args.records} records per run")
    table.add_column("what")
    table.add_column("figure", justify="right")
    table.add_row("1 process: extracts/minute (baseline)", f"{per_minute_1:,.0f}")
    table.add_row(f"{args.workers} processes: extracts/minute", f"{per_minute_n:,.0f}")
    table.add_row("speed-up", f"{per_minute_n / per_minute_1:.2f}×")
    table.add_row("CPU ms per issued extract (store + file included)", f"{cpu_ms:.0f}")
    table.add_row(
        f"CPU-bound capacity on {args.workers} idle cores: extracts/minute", f"{capacity:,.0f}"
    )
    for name, value in phases.items():
        table.add_row(f"{name} (median CPU ms per extract)", f"{value:.1f}")
    console.print(table)
    print(
        json.dumps(
            {
                "records": args.records,
                "workers": args.workers,
                "issued_1": one,
                "issued_n": many,
                "per_minute_1_process": round(per_minute_1, 1),
                "per_minute_n_processes": round(per_minute_n, 1),
                "speedup": round(per_minute_n / per_minute_1, 2),
                "cpu_ms_per_extract": round(cpu_ms, 1),
                "cpu_capacity_per_minute": round(capacity, 1),
                "median_ms": {name: round(value, 1) for name, value in phases.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
