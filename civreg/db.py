"""Database engines and sessions for the work store and the population DB mock.

Both stores are reached by SQLAlchemy URL (SQLite files by default, PostgreSQL through
``postgresql+psycopg://``). SQLite gets WAL, foreign keys and a busy timeout so that a flow and a
review app can share one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from civreg.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``; for SQLite files, create the parent folder first."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ConfigurationError(f"not a valid database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL and process, for flows and the review app."""
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def is_transient(exc: BaseException) -> bool:
    """Whether a database error may pass on retry (lost connection, lock or serialization)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
        transient_markers = (
            "database is locked",
            "could not connect",
            "connection refused",
            "server closed the connection",
            "terminating connection",
            "deadlock detected",
            "could not serialize",
            "lock timeout",
            "canceling statement due to lock timeout",
        )
        return any(marker in text for marker in transient_markers)
    return False
