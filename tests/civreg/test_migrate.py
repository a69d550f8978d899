"""Migrations create both schemas on SQLite and PostgreSQL, match the models and re-run safely."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from typer.testing import CliRunner

from civreg.db import make_engine
from civreg.migrate import (
    MigrationTarget,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
    upgrade_population,
    upgrade_store,
)
from schemas.population_db import PopulationBase
from schemas.store import StoreBase

STORE_TABLES = {
    "batches",
    "documents",
    "pages",
    "raw_entries",
    "records",
    "candidates",
    "decisions",
    "audit_events",
    "sync_outbox",
    "sync_watermarks",
    "runs",
}
POPULATION_TABLES = {"people", "person_changes", "received_changes"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str, metadata: MetaData) -> list:
    """What autogenerate would change to make the database match the models."""
    own = set(metadata.tables)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: kind != "table" or name in own,
                },
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_creates_both_schemas_and_is_idempotent(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # script locations do not depend on the working directory
    assert current_revision(MigrationTarget.STORE, database_url) is None

    for _ in range(2):
        assert upgrade_store(database_url) == head_revision(MigrationTarget.STORE)
        assert upgrade_population(database_url) == head_revision(MigrationTarget.POPULATION)

    tables = _tables(database_url)
    assert tables >= STORE_TABLES | POPULATION_TABLES
    assert current_revision(MigrationTarget.POPULATION, database_url) == "population_0001"
    assert _differences(database_url, StoreBase.metadata) == []
    assert _differences(database_url, PopulationBase.metadata) == []


def test_downgrade_removes_everything_and_upgrade_rebuilds(database_url: str) -> None:
    upgrade_store(database_url)
    config = alembic_config(MigrationTarget.STORE)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
    finally:
        engine.dispose()
    assert _tables(database_url) & STORE_TABLES == set()
    assert upgrade(MigrationTarget.STORE, database_url) == head_revision(MigrationTarget.STORE)
    assert _tables(database_url) >= STORE_TABLES


def test_db_commands(cli_app: typer.Typer, database_url: str, isolated_settings: Path) -> None:
    runner = CliRunner()
    urls = ["--store-url", database_url, "--population-url", database_url]

    before = runner.invoke(cli_app, ["db", "current", *urls], terminal_width=200)
    assert before.exit_code == 0, before.output
    assert "(empty)" in before.output

    for _ in range(2):
        result = runner.invoke(cli_app, ["db", "upgrade", *urls], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert (
            head_revision(MigrationTarget.STORE) in result.output
            and "population_0001" in result.output
        )

    after = runner.invoke(cli_app, ["db", "current", *urls], terminal_width=200)
    assert after.exit_code == 0, after.output
    assert "(empty)" not in after.output and "no: run" not in after.output


def test_db_upgrade_defaults_to_the_settings(cli_app: typer.Typer, isolated_settings: Path) -> None:
    result = CliRunner().invoke(cli_app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(f"sqlite:///{isolated_settings / 'civreg.db'}") >= STORE_TABLES
    assert _tables(f"sqlite:///{isolated_settings / 'population.db'}") >= POPULATION_TABLES


def test_db_upgrade_names_the_database_it_cannot_reach(cli_app: typer.Typer) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["db", "upgrade", "--store-url", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"],
    )
    assert result.exit_code == 6  # ExitCode.STORE
    assert "127.0.0.1:1/none" in result.output
    assert "secret" not in result.output
