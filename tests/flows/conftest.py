"""Fixtures for flow tests: one Prefect test server per session, and a small scanned batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from synth.books import RegisterBook
from synth.district import DistrictOptions, generate_district, write_district
from synth.render.book import load_books, plan_district, render_planned
from synth.render.spec import RenderOptions


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """Prefect's test harness, entered once per session (it takes seconds to start)."""
    with prefect_test_harness(server_startup_timeout=180):
        yield


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
