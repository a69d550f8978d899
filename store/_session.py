"""How store functions reach the database: an Engine opens its own transaction, a Session joins.

Every public function of :mod:`store` takes a :data:`Bind`. Given an engine, the function's writes
are one transaction of their own; given a session, they join the caller's transaction, so that a
flow can make several writes (say, enqueue changes and move a watermark) commit or fail together.
Database errors of our own transactions become :class:`~civreg.errors.TransientError` (worth a
retry) or :class:`~civreg.errors.StoreError`, with the URL but never the password.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from civreg.db import is_transient, transaction
from civreg.errors import CivregError, StoreError, TransientError

Bind = Engine | Session
"""An engine (the function runs its own transaction) or a session (it joins the caller's)."""

IN_CHUNK = 500
"""Values per ``IN (...)`` list: below SQLite's variable limit, cheap for PostgreSQL."""

T = TypeVar("T")


def database_error(engine: Engine, exc: DBAPIError) -> CivregError:
    """A user-facing error for a failed statement: transient (retry) or not."""
    url = engine.url.render_as_string(hide_password=True)
    detail = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
    if is_transient(exc):
        return TransientError(f"work store {url}: {detail}", hint="safe to retry")
    return StoreError(f"work store {url}: {detail}")


@contextmanager
def writing(bind: Bind) -> Iterator[Session]:
    """A session whose work commits as one transaction (or joins the caller's session)."""
    if isinstance(bind, Session):
        yield bind
        bind.flush()
        return
    try:
        with transaction(bind) as session:
            yield session
    except DBAPIError as exc:
        raise database_error(bind, exc) from exc


@contextmanager
def reading(bind: Bind) -> Iterator[Session]:
    """A session for queries only (rolled back at the end when we opened it)."""
    if isinstance(bind, Session):
        yield bind
        return
    try:
        with Session(bind) as session:
            yield session
    except DBAPIError as exc:
        raise database_error(bind, exc) from exc


def dialect_insert(session: Session, table: Table) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support, for the two dialects the store runs on."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise StoreError(f"the work store runs on SQLite or PostgreSQL, not {dialect}")


def insert_missing(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key_columns: Sequence[str],
    returning: str,
) -> set[Any]:
    """Insert the rows whose key is not taken yet; return ``returning`` of those inserted."""
    if not rows:
        return set()
    statement = (
        dialect_insert(session, table)
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in key_columns])
        .returning(table.c[returning])
    )
    result = session.connection().execute(statement, list(rows))
    return set(result.scalars().all())


def chunks(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size`` (for ``IN`` lists)."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def filtered_by(
    statement: Select, column: ColumnElement, values: Iterable[Any] | None
) -> list[Select]:
    """``statement`` alone when ``values`` is None (no filter), else one statement per ``IN``
    chunk of ``values`` (none for no values)."""
    if values is None:
        return [statement]
    return [statement.where(column.in_(chunk)) for chunk in chunks(sorted(set(values)))]
