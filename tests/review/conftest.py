"""Fixtures of the review app tests: a small real batch, processed by the pipeline's steps.

The batch is a few born-digital register pages of a generated district (read through their text
layer: no OCR, seconds). The population extract gets a twin of a few people of the batch (the
same person registered twice under two IDs, as happens in the population DB): their entries
have two candidates that score alike, so they go to the stewards' queue for real.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from civreg.db import shared_engine
from civreg.settings import Settings, get_settings
from flows.steps import (
    PipelineContext,
    finish_documents_step,
    ingest_step,
    link_step,
    normalize_step,
    prepare_stores,
    read_page_step,
)
from matching.population_import import import_population
from review.app import create_app
from review.deps import ReviewConfig
from review.security import hash_password
from schemas.enums import RegisterType
from schemas.store import Role
from store.accounts import add_user
from synth.district import DistrictOptions, generate_district, write_district
from synth.render.book import load_books, plan_district, render_planned
from synth.render.spec import RenderOptions

PASSWORD = "correct horse battery"
TWINS = 3


@dataclass(frozen=True)
class ReviewBatch:
    """A batch folder and the population extract (with twins) it is matched against."""

    batch_dir: Path
    population_csv: Path
    twinned: dict[str, str]
    """personal ID of a person of the batch -> the ID of their twin in the population DB."""


def _twin_id(personal_id: str) -> str:
    serial = (int(personal_id[6:]) + 500_000) % 1_000_000
    return f"{personal_id[:6]}{serial:06d}"


def render_review_batch(
    root: Path, pages: int = 2, register_type: RegisterType = RegisterType.BIRTH
) -> ReviewBatch:
    """Render a few born-digital pages and write an extract with twins of their first people."""
    district_dir = root / "district"
    write_district(
        generate_district(
            DistrictOptions(people=600, seed=5, wards=1, first_year=2017, last_year=2018)
        ),
        district_dir,
    )
    options = RenderOptions(
        seed=3,
        levels=("clean",),
        shapes=("born_digital",),
        limit_pages=pages,
        table_pages_per_file=(1, 1),
    )
    batch_dir = root / "batch"
    batch_dir.mkdir(parents=True)
    present: list[str] = []
    books = [b for b in load_books(district_dir) if b.register_type is register_type]
    for book, files in render_planned(plan_district(books, options), pages):
        by_key = {entry.entry_key: entry for entry in book.entries}
        for file in files:
            (batch_dir / file.file_name).write_bytes(file.data)
            for page in file.truth.pages:
                for entry in page.entries:
                    for truth in by_key[entry.entry_key].true_personal_ids.values():
                        if truth and truth != "absent":
                            present.append(truth)
    chosen = present[:TWINS]
    twinned = {pid: _twin_id(pid) for pid in chosen}
    source = district_dir / "population.csv"
    target = root / "population-with-twins.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    twins = [
        {**row, "personal_id": twinned[row["personal_id"]]}
        for row in rows
        if row["personal_id"] in twinned
    ]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows + twins)
    return ReviewBatch(batch_dir, target, twinned)


def render_form_page(root: Path) -> Path:
    """One scanned form page (a TIFF read by OCR): some of its fields read with low confidence."""
    district_dir = root / "district"
    write_district(
        generate_district(
            DistrictOptions(people=400, seed=11, wards=1, first_year=2018, last_year=2018)
        ),
        district_dir,
    )
    options = RenderOptions(
        seed=3, levels=("mild",), shapes=("form",), limit_pages=1, forms_per_file=(1, 1)
    )
    batch_dir = root / "forms"
    batch_dir.mkdir(parents=True)
    for _book, files in render_planned(plan_district(load_books(district_dir), options), 1):
        for file in files:
            (batch_dir / file.file_name).write_bytes(file.data)
    return batch_dir


@pytest.fixture(scope="session")
def form_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch folder of one scanned form page, rendered once per session."""
    return render_form_page(tmp_path_factory.mktemp("form-batch"))


@pytest.fixture(scope="session")
def marriage_batch(tmp_path_factory: pytest.TempPathFactory) -> ReviewBatch:
    """One born-digital page of a marriage book; both spouses of its first entry have twins."""
    return render_review_batch(
        tmp_path_factory.mktemp("marriage-batch"), pages=1, register_type=RegisterType.MARRIAGE
    )


@pytest.fixture(scope="session")
def review_batch(tmp_path_factory: pytest.TempPathFactory) -> ReviewBatch:
    """Rendered once per session; :func:`processed` copies it before the pipeline runs."""
    return render_review_batch(tmp_path_factory.mktemp("review-batch"))


def point_settings_at(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Both databases at ``database_url``; the inbox under ``tmp_path``."""
    monkeypatch.setenv("CIVREG_STORE_URL", database_url)
    monkeypatch.setenv("CIVREG_POPULATION_URL", database_url)
    monkeypatch.setenv("CIVREG_INBOX_DIR", str(tmp_path / "inbox"))
    get_settings.cache_clear()


def run_pipeline_steps(context: PipelineContext, batch_dir: Path, batch_id: str) -> None:
    """Ingest, read, normalize and link one batch (the steps of ``process-batch``)."""
    ingested = ingest_step(context, batch_dir, batch_id)
    outcomes = [read_page_step(context, job) for job in ingested.pages]
    finish_documents_step(context, ingested, outcomes)
    normalize_step(context, batch_id)
    link_step(context, f"run-{batch_id}")


@dataclass(frozen=True)
class Processed:
    """A work store holding the processed review batch."""

    settings: Settings
    context: PipelineContext
    batch: ReviewBatch

    @property
    def store(self) -> Engine:
        return self.context.store


@pytest.fixture
def bare_settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Settings]:
    """Settings over a fresh, migrated (empty) work store."""
    point_settings_at(database_url, monkeypatch, tmp_path)
    settings = get_settings()
    prepare_stores(PipelineContext(settings))
    yield settings


@pytest.fixture
def processed(
    review_batch: ReviewBatch,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Processed:
    """The review batch run through the pipeline's steps into a fresh store."""
    return process_review_batch(review_batch, database_url, monkeypatch, tmp_path)


def process_review_batch(
    review_batch: ReviewBatch, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Processed:
    """Point the settings at ``database_url`` and run the review batch's steps into it."""
    point_settings_at(database_url, monkeypatch, tmp_path)
    settings = get_settings()
    context = PipelineContext(settings)
    prepare_stores(context)
    report = import_population(review_batch.population_csv, shared_engine(database_url))
    assert report.bad_rows == 0
    batch_dir = shutil.copytree(review_batch.batch_dir, tmp_path / "inbox-copy" / "batch-1")
    run_pipeline_steps(context, batch_dir, "batch-1")
    return Processed(settings, context, review_batch)


def test_config(**changes: object) -> ReviewConfig:
    """The app's limits from the test settings, with ``changes``."""
    base = ReviewConfig.from_settings(get_settings())
    return ReviewConfig(**{**base.__dict__, **changes})


test_config.__test__ = False  # type: ignore[attr-defined] - a helper, not a test


class Browser:
    """A TestClient signed in as one user, with the CSRF token of its session at hand."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = client
        self.username = username

    def csrf(self) -> str:
        from review.deps import SESSION_COOKIE
        from review.security import token_hash
        from store.accounts import session_account

        token = self.client.cookies.get(SESSION_COOKIE)
        assert token, "not signed in"
        found = session_account(self.client.app.state.review.store, token_hash(token))
        assert found is not None
        return found[1]

    def post(self, url: str, data: dict | None = None, **kwargs) -> object:
        return self.client.post(
            url, data={"csrf_token": self.csrf(), **(data or {})}, follow_redirects=False, **kwargs
        )

    def get(self, url: str, **kwargs) -> object:
        return self.client.get(url, follow_redirects=False, **kwargs)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> object:
    """Post the sign-in form the way a browser does (fetch it first for its CSRF cookie)."""
    page = client.get("/login")
    assert page.status_code == 200
    from review.deps import LOGIN_CSRF_COOKIE

    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": client.cookies.get(LOGIN_CSRF_COOKIE),
        },
        follow_redirects=False,
    )


@pytest.fixture
def make_app(bare_settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Build the app over the current settings; clients are closed at the end."""
    clients: list[TestClient] = []

    def factory(**config_changes: object) -> TestClient:
        app = create_app(get_settings(), config=test_config(**config_changes))
        client = TestClient(app)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def users(bare_settings: Settings) -> dict[Role, str]:
    """One user of each role, all with :data:`PASSWORD`."""
    store = shared_engine(bare_settings.resolved_store_url)
    names = {Role.ADMIN: "ada", Role.STEWARD: "sam", Role.CLERK: "cleo"}
    hashed = hash_password(PASSWORD)
    for role, name in names.items():
        add_user(store, name, hashed, role)
    add_user(store, "stella", hashed, Role.STEWARD)
    return names


@pytest.fixture
def browser(make_app: Callable[..., TestClient], users: dict[Role, str]) -> Callable[..., Browser]:
    """A signed-in client of the given user name (a fresh app client per call)."""

    def factory(username: str, **config_changes: object) -> Browser:
        client = make_app(**config_changes)
        response = sign_in(client, username)
        assert response.status_code == 303, response.text
        return Browser(client, username)

    return factory
