"""Benchmark of the population extract import against naive row-by-row ORM inserts.

    python -m bench.population_import [--rows 100000] [--baseline-rows 2000] [--no-postgres]

Generates a deterministic extract (Vietnamese-like names, valid personal IDs), writes it as CSV,
and imports it into a fresh SQLite file and a fresh PostgreSQL database. The baseline, measured
in the same run on both backends, does the same per-row work (validation, a person and its
change entry) through the ORM with one commit per row, on a subset. The last line printed is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from civreg.db import make_engine
from civreg.migrate import upgrade_population
from matching.population_import import (
    ExtractRow,
    ImportOptions,
    import_population,
    person_to_row,
    validate_row,
)
from schemas.enums import Sex
from schemas.personal_id import PROVINCE_CODES, generate_personal_id
from schemas.population_db import PersonChange, PersonChangeKind, PersonRow
from schemas.records import Person

SEED = 20261127
POSTGRES_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"

# DOMAIN.md §2 shares; the rest of the mass goes to a tail of rarer names
SURNAMES = {
    "Nguyễn": 38.4,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.1,
    "Huỳnh": 2.6,
    "Hoàng": 2.5,
    "Phan": 4.5,
    "Vũ": 2.0,
    "Võ": 1.9,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
    "Đinh": 1.2,
    "Trương": 1.1,
    "Lâm": 0.9,
    "Mai": 0.8,
    "Trịnh": 0.8,
    "Đoàn": 0.8,
    "Cao": 0.7,
    "Tạ": 0.5,
}
MIDDLE = {
    Sex.MALE: ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu"],
    Sex.FEMALE: ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim"],
}
GIVEN = {
    Sex.MALE: ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc",
               "Quân", "Sơn", "Thắng", "Tuấn", "Việt", "Hoàng Anh", "Minh Đức", "Trung"],
    Sex.FEMALE: ["Anh", "Chi", "Dung", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai",
                 "Nga", "Nhung", "Phương", "Thảo", "Trang", "Yến", "Hồng Nhung", "Thu Hà"],
}  # fmt: skip
WARDS = ["Tây Hồ", "Quảng An", "Nhật Tân", "Yên Phụ", "Bưởi", "Thụy Khuê", "Xuân La", "Phú Thượng"]
ETHNICITIES = ["Kinh"] * 17 + ["Tày", "Mường", "Hoa"]
HEADER = list(Person.EXTRACT_COLUMNS)


def _name(rng: random.Random, sex: Sex, surname: str | None = None) -> str:
    surname = surname or rng.choices(list(SURNAMES), weights=list(SURNAMES.values()))[0]
    return f"{surname} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def _date(rng: random.Random, year: int) -> str:
    precision = rng.random()
    if precision < 0.15:
        return f"{year:04d}"
    if precision < 0.20:
        return f"{year:04d}-{rng.randint(1, 12):02d}"
    return f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def generate_rows(count: int, seed: int = SEED) -> list[dict[str, str]]:
    """``count`` extract rows with unique, valid personal IDs; the same for the same seed."""
    rng = random.Random(seed)
    provinces = ["001"] * 8 + rng.sample(sorted(PROVINCE_CODES), 6)
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        sex = rng.choice([Sex.MALE, Sex.FEMALE])
        year = rng.randint(1930, 2024)
        pid = generate_personal_id(
            rng, sex=sex, birth_year=year, province_code=rng.choice(provinces)
        )
        if pid in seen:
            continue
        seen.add(pid)
        father = _name(rng, Sex.MALE)
        ward = rng.choice(WARDS)
        married = year < 2000 and rng.random() < 0.7
        rows.append(
            {
                "personal_id": pid,
                "full_name": _name(rng, sex, surname=father.split()[0]),
                "date_of_birth": _date(rng, year),
                "sex": sex.value,
                "place_of_birth": f"phường {rng.choice(WARDS)}, Hà Nội",
                "hometown": rng.choice(["Nam Định", "Thái Bình", "Hà Nội", "Nghệ An", "Hải Dương"]),
                "ethnicity": rng.choice(ETHNICITIES),
                "nationality": "Việt Nam",
                "permanent_residence": f"số {rng.randint(1, 200)} phố {ward}, phường {ward}",
                "father_name": father,
                "father_id": "",
                "mother_name": _name(rng, Sex.FEMALE),
                "mother_id": "",
                "spouse_name": _name(rng, Sex.FEMALE if sex is Sex.MALE else Sex.MALE)
                if married
                else "",
                "spouse_id": "",
                "date_of_death": _date(rng, rng.randint(year + 40, 2025))
                if year < 1950 and rng.random() < 0.4
                else "",
            }
        )
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@dataclass
class Figure:
    """One timed run."""

    backend: str
    method: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def naive_import(engine: Engine, path: Path, limit: int) -> int:
    """The baseline: same validation and rows, ORM objects, one commit per row."""
    with path.open(encoding="utf-8", newline="") as handle, Session(engine) as session:
        reader = csv.DictReader(handle)
        loaded = 0
        for line, cells in enumerate(reader, start=2):
            if loaded >= limit:
                break
            person = validate_row(ExtractRow(line, cells))
            if isinstance(person, list):
                raise AssertionError(f"generated row {line} is invalid: {person}")
            change = PersonChange(personal_id=person.personal_id, kind=PersonChangeKind.CREATED)
            session.add(change)
            session.flush()
            session.add(PersonRow(**person_to_row(person), updated_seq=change.seq))
            session.commit()
            loaded += 1
    return loaded


def run_backend(
    backend: str, url: str, extract: Path, rows: int, baseline_rows: int
) -> list[Figure]:
    """Bulk import (fresh database), re-import (nothing changes), and the naive baseline."""
    upgrade_population(url)
    engine = make_engine(url)
    figures = []
    try:
        options = ImportOptions(batch_size=5_000)
        report = import_population(extract, engine, options)
        assert report.inserted == rows and not report.errors, report
        figures.append(Figure(backend, "bulk import", rows, report.seconds))
        again = import_population(extract, engine, options)
        assert again.unchanged == rows, again
        figures.append(Figure(backend, "re-import (no change)", rows, again.seconds))
    finally:
        engine.dispose()
    return [*figures, _baseline(backend, url, extract, baseline_rows)]


def _baseline(backend: str, url: str, extract: Path, baseline_rows: int) -> Figure:
    with _fresh_database(backend, url) as fresh_url:
        upgrade_population(fresh_url)
        engine = make_engine(fresh_url)
        try:
            started = time.perf_counter()
            loaded = naive_import(engine, extract, baseline_rows)
            seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    return Figure(backend, "baseline: ORM, commit per row", loaded, seconds)


@contextmanager
def _fresh_database(backend: str, url: str) -> Iterator[str]:
    """A second fresh database beside ``url`` for the baseline."""
    if backend == "sqlite":
        yield url.replace(".db", "-baseline.db")
        return
    with postgres_database() as fresh_url:
        yield fresh_url


@contextmanager
def postgres_database(dsn: str = POSTGRES_DSN) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"civreg_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        info = admin.info
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://{info.user}@{info.host}:{info.port}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> dict[str, float | int | None]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the extract.")
    parser.add_argument("--baseline-rows", type=int, default=2_000, help="Rows of the baseline.")
    parser.add_argument("--postgres-dsn", default=POSTGRES_DSN, help="Admin libpq DSN.")
    parser.add_argument("--no-postgres", action="store_true", help="Measure SQLite only.")
    args = parser.parse_args(argv)
    console = Console()

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="civreg-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        extract = write_csv(generate_rows(args.rows), folder / "extract.csv")
        console.print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        baseline_rows = min(args.baseline_rows, args.rows)
        figures += run_backend(
            "sqlite", f"sqlite:///{folder / 'population.db'}", extract, args.rows, baseline_rows
        )
        if not args.no_postgres:
            with postgres_database(args.postgres_dsn) as url:
                figures += run_backend("postgresql", url, extract, args.rows, baseline_rows)

    table = Table(title=f"population import, {args.rows:,} rows (baseline on {baseline_rows:,})")
    for column in ("backend", "method", "rows", "seconds", "rows/s", "× baseline"):
        table.add_column(column, justify="left" if column in ("backend", "method") else "right")
    summary: dict[str, float | int | None] = {"rows": args.rows, "baseline_rows": baseline_rows}
    for backend in ("sqlite", "postgresql"):
        mine = [f for f in figures if f.backend == backend]
        if not mine:
            summary[f"{backend}_rows_per_s"] = None
            continue
        baseline = mine[-1].rows_per_second
        for figure in mine:
            table.add_row(
                figure.backend,
                figure.method,
                f"{figure.rows:,}",
                f"{figure.seconds:.2f}",
                f"{figure.rows_per_second:,.0f}",
                f"{figure.rows_per_second / baseline:.1f}",
            )
        bulk, reimport = mine[0], mine[1]
        summary[f"{backend}_rows_per_s"] = round(bulk.rows_per_second)
        summary[f"{backend}_reimport_rows_per_s"] = round(reimport.rows_per_second)
        summary[f"{backend}_baseline_rows_per_s"] = round(baseline)
        summary[f"{backend}_speedup"] = round(bulk.rows_per_second / baseline, 1)
    console.print(table)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
