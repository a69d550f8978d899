"""Fixtures for flow tests: a small scanned batch, and isolated installations ("worlds") to run
the flows in and compare what they leave behind (the Prefect test server: tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import DateTime, Integer, MetaData, create_engine, select

from civreg.db import shared_engine
from civreg.migrate import upgrade_population
from matching.population_import import import_population
from schemas.population_db import PopulationBase
from schemas.store import StoreBase
from synth.books import RegisterBook
from synth.district import DistrictOptions, generate_district, write_district
from synth.render.book import load_books, plan_district, render_planned
from synth.render.spec import RenderOptions


@dataclass(frozen=True)
class ScannedBatch:
    """A batch folder of rendered scans with the truth of every entry on them."""

    batch_dir: Path
    population_csv: Path
    truth: dict[tuple[str, int, int], dict[str, str]]
    """(file name, page, row) -> party -> the true personal ID (or 'absent')."""


def _render_batch(root: Path) -> ScannedBatch:
    district_dir = root / "district"
    write_district(
        generate_district(
            DistrictOptions(people=400, seed=11, wards=1, first_year=2017, last_year=2018)
        ),
        district_dir,
    )
    books: dict[str, RegisterBook] = {b.book_id: b for b in load_books(district_dir)}
    options = RenderOptions(
        seed=3, levels=("clean",), shapes=("born_digital", "form"), limit_pages=4
    )
    batch_dir = root / "inbox" / "batch-1"
    batch_dir.mkdir(parents=True)
    truth: dict[tuple[str, int, int], dict[str, str]] = {}
    for book, files in render_planned(plan_district(list(books.values()), options), 4):
        by_key = {entry.entry_key: entry for entry in book.entries}
        for file in files:
            (batch_dir / file.file_name).write_bytes(file.data)
            for page in file.truth.pages:
                for entry in page.entries:
                    truth[(file.file_name, page.page_number, entry.row_index)] = by_key[
                        entry.entry_key
                    ].true_personal_ids
    return ScannedBatch(batch_dir, district_dir / "population.csv", truth)


@pytest.fixture(scope="session")
def scanned_batch(tmp_path_factory: pytest.TempPathFactory) -> ScannedBatch:
    """Rendered once per session; copy ``batch_dir`` before a test writes beside it."""
    return _render_batch(tmp_path_factory.mktemp("scanned-batch"))


FLOW_CHILD = Path(__file__).with_name("flow_child.py")
RUN_TIMEOUT = 300.0
COMPARED_STORE_TABLES = (
    "documents",
    "pages",
    "raw_entries",
    "records",
    "candidates",
    "decisions",
    "sync_outbox",
)
COMPARED_POPULATION_TABLES = ("people", "person_changes", "received_changes")


def _volatile(column: Any) -> bool:
    """Columns that differ between equal runs: times, run ids, surrogate integer keys."""
    kind = getattr(column.type, "impl", column.type)  # see through TypeDecorators
    if isinstance(kind, DateTime) or column.name == "run_id":
        return True
    if column.primary_key and isinstance(column.type, Integer):
        return True
    return any(
        fk.column.primary_key and isinstance(fk.column.type, Integer) for fk in column.foreign_keys
    )


def _tables(url: str, names: tuple[str, ...], metadata: MetaData) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            snapshot = {}
            for name in names:
                table = metadata.tables[name]
                columns = [c for c in table.columns if not _volatile(c)]
                rows = connection.execute(select(*columns)).all()
                snapshot[name] = sorted(repr(tuple(row)) for row in rows)
            return snapshot
    finally:
        engine.dispose()


@dataclass(frozen=True)
class World:
    """One isolated installation: its own stores, export folder and copy of the batch."""

    root: Path
    batch_dir: Path

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.root / 'store.db'}"

    @property
    def population_url(self) -> str:
        return f"sqlite:///{self.root / 'population.db'}"

    @property
    def export_dir(self) -> Path:
        return self.root / "export"

    def settings_env(self) -> dict[str, str]:
        """The ``CIVREG_*`` variables that point civreg at this world."""
        return {
            "CIVREG_VAR_DIR": str(self.root / "var"),
            "CIVREG_STORE_URL": self.store_url,
            "CIVREG_POPULATION_URL": self.population_url,
            "CIVREG_EXPORT_DIR": str(self.export_dir),
            "CIVREG_INBOX_DIR": str(self.batch_dir.parent),
        }

    def env(self, api_url: str, **extra: str) -> dict[str, str]:
        """A child process's whole environment: this world, the given Prefect server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVREG_")}
        env.update(self.settings_env())
        env.update(
            CIVREG_TASK_RUNNER="thread",
            CIVREG_OCR_WORKERS="2",
            PREFECT_API_URL=api_url,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
        )
        env.update(extra)
        return env

    def start(self, api_url: str, *args: str) -> subprocess.Popen[str]:
        """``process-batch`` on this world's batch in a child process of its own group."""
        return subprocess.Popen(
            [sys.executable, str(FLOW_CHILD), str(self.batch_dir), *args],
            env=self.env(api_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a kill takes Tesseract too
        )

    def run(self, api_url: str) -> dict:
        """Run ``process-batch`` to the end in a child process; its summary."""
        child = self.start(api_url)
        output, _ = child.communicate(timeout=RUN_TIMEOUT)
        assert child.returncode == 0, output[-4000:]
        return json.loads(output.strip().splitlines()[-1])

    def exports(self) -> dict[str, list[dict]]:
        """Every Parquet file's rows (the run id aside), by path under the export folder."""
        return {
            str(path.relative_to(self.export_dir)): pq.read_table(path)
            .drop_columns(["run_id"])
            .to_pylist()
            for path in sorted(self.export_dir.rglob("*.parquet"))
        }

    def state(self) -> dict:
        """What the runs left: store and population rows, Parquet rows (run ids aside)."""
        return {
            "store": _tables(self.store_url, COMPARED_STORE_TABLES, StoreBase.metadata),
            "population": _tables(
                self.population_url, COMPARED_POPULATION_TABLES, PopulationBase.metadata
            ),
            "export": self.exports(),
        }

    def differences_from(self, expected: dict) -> list[str]:
        """How this world's state differs from an expected :meth:`state`, line by line."""
        return state_differences(self.state(), expected)


def make_world(
    root: Path, batch: ScannedBatch, files: Callable[[Path], bool] | None = None
) -> World:
    """A fresh world with the batch's population imported and a copy of (some of) its files."""
    batch_dir = root / "inbox" / batch.batch_dir.name
    batch_dir.mkdir(parents=True)
    for path in sorted(batch.batch_dir.iterdir()):
        if files is None or files(path):
            shutil.copy2(path, batch_dir / path.name)
    world = World(root, batch_dir)
    upgrade_population(world.population_url)
    report = import_population(batch.population_csv, shared_engine(world.population_url))
    assert report.bad_rows == 0
    return world


@pytest.fixture
def new_world(scanned_batch: ScannedBatch, tmp_path: Path) -> Callable[..., World]:
    """Makes worlds under this test's temporary folder: ``new_world(name, files=None)``."""

    def factory(name: str = "world", files: Callable[[Path], bool] | None = None) -> World:
        return make_world(tmp_path / name, scanned_batch, files)

    return factory


def state_differences(found: dict, expected: dict) -> list[str]:
    """What differs between two :meth:`World.state` results, one line per extra/missing row."""
    lines = []
    for section in ("store", "population"):
        for table, rows in expected[section].items():
            got = found[section].get(table, [])
            lines += [f"{table}: missing {row}" for row in sorted(set(rows) - set(got))]
            lines += [f"{table}: extra {row}" for row in sorted(set(got) - set(rows))]
            if len(got) != len(rows):
                lines.append(f"{table}: {len(got)} rows, expected {len(rows)}")
    for path in sorted(set(expected["export"]) | set(found["export"])):
        if found["export"].get(path) != expected["export"].get(path):
            lines.append(f"export {path} differs")
    return lines


@dataclass(frozen=True)
class CleanRun:
    """What one uninterrupted ``process-batch`` run on the scanned batch leaves."""

    summary: dict
    state: dict


@pytest.fixture(scope="session")
def clean_run(
    prefect_server: str, scanned_batch: ScannedBatch, tmp_path_factory: pytest.TempPathFactory
) -> CleanRun:
    """One clean run on the default (thread) runner, in a child process, once per session."""
    world = make_world(tmp_path_factory.mktemp("clean") / "world", scanned_batch)
    summary = world.run(prefect_server)
    assert summary["pages_read"] >= 4 and summary["entries"] == len(scanned_batch.truth)
    return CleanRun(summary, world.state())
