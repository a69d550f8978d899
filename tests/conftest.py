"""Fixtures shared by the whole suite: isolated settings and databases on SQLite and PostgreSQL.

Every test runs with ``CIVREG_VAR_DIR`` in its own temporary folder. ``database_url`` runs a test
twice, on a fresh SQLite file and on a fresh PostgreSQL schema; ``store_engine`` and
``population_engine`` give that database migrated to head. PostgreSQL is the server on
127.0.0.1:5432 (user ``postgres``): one database per test session and xdist worker, one schema per
test. When the server is down the PostgreSQL half fails, unless ``CIVREG_TEST_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import typer
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import Engine

from civreg import cli
from civreg.db import make_engine
from civreg.environment import apply_run_environment
from civreg.migrate import upgrade_population, upgrade_store
from civreg.settings import get_settings

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_USER = "postgres"
SKIP_POSTGRES_ENV = "CIVREG_TEST_SKIP_POSTGRES"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every default path at a fresh ``var`` folder and forget cached settings."""
    for name in list(os.environ):
        if name.startswith("CIVREG_") and name != SKIP_POSTGRES_ENV:
            monkeypatch.delenv(name)
    var_dir = tmp_path / "var"
    monkeypatch.setenv("CIVREG_VAR_DIR", str(var_dir))
    get_settings.cache_clear()
    yield var_dir
    get_settings.cache_clear()


def _admin_connection(dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host=POSTGRES_HOST,
        port=POSTGRES_PORT,
        user=POSTGRES_USER,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[str]:
    """A database of our own for this session and xdist worker, dropped at the end."""
    try:
        admin = _admin_connection()
    except psycopg.OperationalError as exc:
        admin, reason = None, str(exc).strip().splitlines()[0]
    if admin is None:  # outside the except block: the message alone, no chained traceback
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_HOST}:{POSTGRES_PORT} as user "
            f"{POSTGRES_USER} ({reason}). Start it (.ci/run does) or "
            f"set {SKIP_POSTGRES_ENV}=1 to skip the PostgreSQL half of the suite."
        )
        if os.environ.get(SKIP_POSTGRES_ENV) == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    name = f"civreg_test_{re.sub(r'[^a-z0-9]', '', worker_id.lower())}_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'civreg-test.db'}"
        return
    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _admin_connection(database) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield (
        f"postgresql+psycopg://{POSTGRES_USER}@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"
        f"?options=-csearch_path%3D{schema}"
    )
    with _admin_connection(database) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a work store migrated to head."""
    upgrade_store(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def population_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a population DB mock migrated to head."""
    upgrade_population(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def cli_app() -> typer.Typer:
    """The ``civreg`` app with every command group registered (once per process)."""
    cli._register()
    return cli.app


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """Prefect's test harness, entered once per session (it takes seconds to start).

    Yields the harness server's API URL, for child processes to report their runs to it.
    """
    apply_run_environment()  # no telemetry attempts from the server, as in every civreg run
    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()
