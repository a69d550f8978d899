"""Schema migrations of the work store and the population DB mock, run from code.

The Alembic configuration is built here (no ``alembic.ini``): the script locations come from
the installed :mod:`schemas.migrations` package, so migrations run from any working directory
and from an installed wheel. Upgrading an up-to-date database changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from civreg.db import make_engine
from civreg.errors import StoreError
from schemas.migrations import (
    POPULATION_SCRIPT_LOCATION,
    POPULATION_VERSION_TABLE,
    STORE_SCRIPT_LOCATION,
    STORE_VERSION_TABLE,
)


class MigrationTarget(StrEnum):
    """Which of the two databases a migration is for."""

    STORE = "store"
    POPULATION = "population"


_SCRIPT_LOCATIONS = {
    MigrationTarget.STORE: STORE_SCRIPT_LOCATION,
    MigrationTarget.POPULATION: POPULATION_SCRIPT_LOCATION,
}
_VERSION_TABLES = {
    MigrationTarget.STORE: STORE_VERSION_TABLE,
    MigrationTarget.POPULATION: POPULATION_VERSION_TABLE,
}


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid URL>"


def alembic_config(target: MigrationTarget, url: str | None = None) -> Config:
    """An Alembic configuration for ``target``, without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATIONS[target]))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    """Alembic narrates each step at INFO; keep that for DEBUG runs."""
    logger = logging.getLogger("alembic")
    previous = logger.level
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def upgrade(target: MigrationTarget, url: str, revision: str = "head") -> str | None:
    """Bring the database at ``url`` to ``revision``; return the revision it is now at."""
    config = alembic_config(target, url)
    engine = make_engine(url)
    try:
        with _quiet_alembic():
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            return _current(engine, target)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate the {target} database at {safe_url(url)}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    finally:
        engine.dispose()


def upgrade_store(url: str) -> str | None:
    """Create or upgrade the work store schema (idempotent)."""
    return upgrade(MigrationTarget.STORE, url)


def upgrade_population(url: str) -> str | None:
    """Create or upgrade the population DB mock schema (idempotent)."""
    return upgrade(MigrationTarget.POPULATION, url)


def current_revision(target: MigrationTarget, url: str) -> str | None:
    """The revision the database at ``url`` is at, ``None`` when never migrated."""
    engine = make_engine(url)
    try:
        with _quiet_alembic():
            return _current(engine, target)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the {target} database at {safe_url(url)}: {exc}") from exc
    finally:
        engine.dispose()


def _current(engine: Engine, target: MigrationTarget) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": _VERSION_TABLES[target]}
        )
        return context.get_current_revision()


def head_revision(target: MigrationTarget) -> str:
    """The latest revision shipped with this version of civreg."""
    head = ScriptDirectory.from_config(alembic_config(target)).get_current_head()
    if head is None:
        raise StoreError(f"no migration found for the {target} database")
    return head


def create_revision(
    target: MigrationTarget, url: str, message: str, *, autogenerate: bool = True
) -> Path:
    """Write a new revision file, compared against the database at ``url`` (at head)."""
    config = alembic_config(target, url)
    scripts = ScriptDirectory.from_config(config)
    next_number = len(list(scripts.walk_revisions())) + 1
    rev_id = f"{target}_{next_number:04d}"
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            script = command.revision(
                config, message=message, autogenerate=autogenerate, rev_id=rev_id
            )
    finally:
        engine.dispose()
    if script is None or isinstance(script, list):
        raise StoreError(f"alembic wrote no single revision for the {target} database")
    return Path(script.path)
