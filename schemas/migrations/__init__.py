"""Alembic environments of the two databases: ``store/`` (work store), ``population/`` (mock).

Each ``env.py`` calls :func:`run_env` with its metadata and version table. The two version tables
differ, so both schemas may live in one database. Run migrations through :mod:`civreg.migrate`
(``civreg db upgrade``), which builds the Alembic configuration in code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import MetaData, TypeDecorator
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent
STORE_SCRIPT_LOCATION = MIGRATIONS_DIR / "store"
POPULATION_SCRIPT_LOCATION = MIGRATIONS_DIR / "population"
STORE_VERSION_TABLE = "civreg_store_version"
POPULATION_VERSION_TABLE = "population_version"


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our type decorators as their portable base type: revisions import none of ours."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        return f"sa.{impl!r}"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        render_item=_render_item,
        compare_type=True,
        **options,
    )


def run_env(metadata: MetaData, version_table: str) -> None:
    """Run the migrations of ``metadata``, online (connection or URL) or offline (SQL script)."""
    config = context.config
    if context.is_offline_mode():
        _configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            version_table=version_table,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    connection = config.attributes.get("connection")
    if connection is not None:
        _run_online(connection, metadata, version_table)
        return

    from civreg.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as own_connection:
            _run_online(own_connection, metadata, version_table)
    finally:
        engine.dispose()


def _run_online(connection: Connection, metadata: MetaData, version_table: str) -> None:
    _configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
